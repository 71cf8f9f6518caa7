"""``msinet predict``: images, folders, videos → saliency maps, overlays, fixations, scanpaths."""

import argparse
import csv
import json
from pathlib import Path
import sys
import time
from typing import Iterator, List, Tuple

import cv2
import numpy as np

from .model_args import add_fixation_arguments, add_model_arguments, add_spec_arguments, \
    count_arg, fixation_settings, predictor_from_args
from ..attention.peaks import find_fixations
from ..attention.scanpath import scanpath
from ..errors import ImageError
from ..imaging import IMAGE_SUFFIXES, read_rgb
from ..visualization import draw_fixations, draw_scanpath, heatmap_overlay, to_mono16, \
    to_mono8

VIDEO_SUFFIXES = ('.mp4', '.avi', '.mov', '.mkv', '.webm')


def register(subparsers) -> None:
    """Add the ``predict`` subcommand."""
    parser = subparsers.add_parser('predict', help='saliency maps, overlays and fixations for '
                                                   'images, folders or a video')
    parser.add_argument('inputs', nargs='+', type=Path, help='image files, folders, videos')
    parser.add_argument('-o', '--output', type=Path, required=True, help='output folder')
    add_model_arguments(parser)
    add_fixation_arguments(parser)
    parser.add_argument('--bits', type=int, choices=(8, 16), default=16,
                        help='saliency PNG depth (default 16)')
    parser.add_argument('--no-overlay', action='store_true', help='skip the heat-map overlays')
    add_spec_arguments(parser, ('overlay_colormap', 'overlay_opacity'))
    parser.add_argument('--fixations', choices=('json', 'csv'), default='json',
                        help='format of the fixation list (default json)')
    parser.add_argument('--scanpath', type=count_arg, default=0, metavar='N',
                        help='also the first N fixations that inhibition of return makes on '
                             'each still image: drawn on the overlay instead of the top-k '
                             'fixations, listed in scanpath.json (default 0: none)')
    parser.add_argument('--scanpath-fov', type=_fov_arg, default=60.0, metavar='DEG',
                        help='horizontal field of view of the camera, which sets the angular '
                             'size of an inhibited spot (default 60)')
    parser.set_defaults(run=run)


def _fov_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if not 0 < value < 180:
        raise argparse.ArgumentTypeError(f'{value} is not within 0..180 degrees (exclusive)')
    return value


def _expand(inputs: List[Path]) -> List[Path]:
    """Replace each folder by its image files, in name order."""
    paths: List[Path] = []
    for path in inputs:
        paths += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) \
            if path.is_dir() else [path]
    return paths


def _frames(paths: List[Path]) -> Iterator[Tuple[str, str, int, np.ndarray]]:
    """Yield (output stem, source name, frame index, RGB frame) for each image/video frame."""
    for path in paths:
        if path.suffix.lower() in VIDEO_SUFFIXES:
            capture = cv2.VideoCapture(str(path))
            if not capture.isOpened():
                raise ImageError(f'{path} is not a readable video')
            index = 0
            while True:
                ok, bgr = capture.read()
                if not ok:
                    break
                yield (f'{path.stem}_{index:05d}', path.stem, index,
                       cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                index += 1
            capture.release()
        elif path.is_file():
            yield path.stem, path.stem, 0, read_rgb(path)
        else:
            raise ImageError(f'{path} does not exist')


def _count(paths: List[Path]) -> int:
    return sum(max(0, int(cv2.VideoCapture(str(p)).get(cv2.CAP_PROP_FRAME_COUNT)))
               if p.suffix.lower() in VIDEO_SUFFIXES else 1 for p in paths)


def run(args: argparse.Namespace) -> int:
    """Predict every frame and write the results."""
    settings = fixation_settings(args)
    with predictor_from_args(args) as predictor:
        return _predict_all(args, predictor, settings)


def _predict_all(args: argparse.Namespace, predictor, settings) -> int:
    args.output.mkdir(parents=True, exist_ok=True)
    paths = _expand(args.inputs)
    total, rows, start, done = _count(paths), [], time.monotonic(), 0
    scan_rows = []
    for done, (stem, name, index, frame) in enumerate(_frames(paths), start=1):
        result = predictor.predict(frame)
        depth = to_mono16 if args.bits == 16 else to_mono8
        cv2.imwrite(str(args.output / f'{stem}_saliency.png'), depth(result.saliency))
        fixations = find_fixations(result.model_saliency, result.letterbox, settings)
        scan = scanpath(result.saliency, args.scanpath, horizontal_fov_deg=args.scanpath_fov) \
            if args.scanpath else []
        if not args.no_overlay:
            overlay = heatmap_overlay(frame, result.saliency, args.overlay_colormap,
                                      args.overlay_opacity)
            overlay = draw_scanpath(overlay, scan) if args.scanpath else \
                draw_fixations(overlay, fixations)
            cv2.imwrite(str(args.output / f'{stem}_overlay.jpg'),
                        cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR))
        rows += [{'source': name, 'frame': index, 'rank': rank, 'x': round(f.x, 2),
                  'y': round(f.y, 2), 'saliency': round(f.saliency, 4)}
                 for rank, f in enumerate(fixations, start=1)]
        scan_rows += [{'source': name, 'frame': index, 'order': order, 'x': round(f.x, 2),
                       'y': round(f.y, 2), 'saliency': round(f.saliency, 4)}
                      for order, f in enumerate(scan, start=1)]
        if done % 25 == 0 or done == total:
            print(f'{done}/{total} frames, {done / (time.monotonic() - start):.1f} fps',
                  file=sys.stderr)
    if done == 0:
        raise ImageError(f'no images found in {", ".join(map(str, args.inputs))}')
    path = args.output / f'fixations.{args.fixations}'
    if args.fixations == 'json':
        path.write_text(json.dumps(rows, indent=1))
    else:
        with open(path, 'w', newline='') as handle:
            writer = csv.DictWriter(handle, ['source', 'frame', 'rank', 'x', 'y', 'saliency'])
            writer.writeheader()
            writer.writerows(rows)
    scan_text = ''
    if args.scanpath:
        (args.output / 'scanpath.json').write_text(json.dumps(scan_rows, indent=1))
        scan_text = f', {len(scan_rows)} scanpath fixations'
    print(f'wrote {done} saliency maps and {len(rows)} fixations{scan_text} to {args.output}')
    return 0
