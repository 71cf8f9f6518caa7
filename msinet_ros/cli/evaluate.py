"""
``msinet evaluate``: a model's scores on a saliency dataset, or two models' agreement.

``msinet evaluate DATASET -m MODEL`` (or ``--maps FOLDER``) prints the paper's table (mean ±
standard deviation per measure) for the chosen protocol and writes ``scores.csv``,
``summary.json`` and ``scores.png``. ``msinet evaluate IMAGES --compare A B`` measures how
closely B's maps follow A's (CC, KLD, top-fixation distance); on a dataset it scores both too.
A and B are model files (run with the model options; ``--compare-backend`` for B) or folders
of maps.
"""

import argparse
from pathlib import Path
import sys
import time
from typing import Dict, List, Optional

from .model_args import add_model_arguments, predictor_from_args
from .predict import _count_arg
from ..errors import ParameterError
from ..evaluation import compare as comparing, report
from ..evaluation.datasets import INPUT_SIZES, open_dataset, SPLITS
from ..evaluation.maps import DEFAULT_MAP_DEPTH, FolderMaps, MAP_DEPTHS, ModelMaps
from ..evaluation.runner import evaluate, fixations_of, Item
from ..evaluation.scores import AVERAGING, summarise
from ..imaging import list_images, read_rgb
from ..inference.backends import NAMES
from ..metrics.density import CentreBias
from ..metrics.protocols import DEFAULT_PROTOCOL, measures, PROTOCOLS
from ..model.source import ModelSource, WEIGHTS


def register(subparsers) -> None:
    """Add the ``evaluate`` subcommand."""
    parser = subparsers.add_parser(
        'evaluate', help="score a model on a saliency dataset (the paper's measures), or "
                         'compare two models or engines on the same images')
    parser.add_argument('data', type=Path,
                        help='a dataset folder laid out as the official download.py writes it '
                             '(stimuli/, fixations/, saliency/), or, with --compare, a folder '
                             'of images')
    source = parser.add_mutually_exclusive_group()
    source.add_argument('--maps', type=Path, metavar='FOLDER',
                        help='score precomputed maps (<stem>.png or <stem>_saliency.png, 8 or '
                             '16 bit) instead of running a model')
    source.add_argument('--compare', nargs=2, metavar=('A', 'B'),
                        help='agreement of B with A (reference): model files or map folders')
    add_model_arguments(parser, model_required=False)
    parser.set_defaults(size=None)  # None: the dataset's official input size (see _size)
    parser.add_argument('--compare-backend', choices=NAMES, metavar='BACKEND',
                        help='backend for model B of --compare (default: --backend)')
    parser.add_argument('--compare-size', metavar='HxW',
                        help='input size for a weights file B of --compare (default: --size), '
                             'to see what another input size costs')
    parser.add_argument('--dataset', metavar='NAME',
                        help='which dataset the folder holds (default: from its name)')
    parser.add_argument('--split', choices=SPLITS, default='all',
                        help='images to score: all, or the official training/validation split '
                             "of MSI-Net's repository (default all)")
    parser.add_argument('--protocol', choices=PROTOCOLS, default=DEFAULT_PROTOCOL,
                        help='legacy: the MIT benchmark MATLAB code (the paper); tuebingen: '
                             f'pysaliency (default {DEFAULT_PROTOCOL})')
    parser.add_argument('--averaging', choices=AVERAGING, default='image',
                        help='mean over images, or over fixations (default image)')
    parser.add_argument('--map-depth', choices=MAP_DEPTHS, default=DEFAULT_MAP_DEPTH,
                        help="a model's maps are scored as 8-bit images like the official "
                             f'test path writes them, or as floats (default {DEFAULT_MAP_DEPTH})')
    parser.add_argument('--limit', type=_count_arg, default=0, metavar='N',
                        help='score only the first N images (default 0: all)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the randomised measures (default 0)')
    parser.add_argument('--plot', action=argparse.BooleanOptionalAction, default=True,
                        help='write a PNG of the per-image scores (default on)')
    parser.add_argument('-o', '--output', type=Path, required=True, help='output folder')
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate, or compare, and write the records."""
    if not args.compare and not args.maps and not args.model:
        raise ParameterError('give a model (-m MODEL), a map folder (--maps) or --compare A B')
    if args.model and (args.maps or args.compare):
        raise ParameterError('-m/--model is for scoring one model; with --maps or --compare the '
                             'maps or models are named there')
    if args.plot:
        report.check_plotting()
    args.output.mkdir(parents=True, exist_ok=True)
    if args.compare:
        return _compare(args)
    dataset, items, everyone = _dataset(args)
    start = time.monotonic()
    with _maps(args, args.model or args.maps, args.backend, args.maps is not None) as maps:
        rows, bias = _score(args, dataset, items, everyone, maps)
        summaries = summarise(rows, list(measures(args.protocol)), args.averaging)
        comparison = report.paper_comparison(dataset.name, summaries) \
            if args.split == 'official-val' and args.protocol == 'legacy' else {}
        report.write_scores_csv(args.output / 'scores.csv', rows, list(measures(args.protocol)))
        report.write_json(args.output / 'summary.json', report.record(
            args.argv, seconds=round(time.monotonic() - start, 1),
            **_what(args, dataset, items, bias), maps=maps.describe(),
            summary=report.summary_json(summaries), paper_table6=comparison or None))
        if args.plot:
            report.plot_scores(args.output / 'scores.png', {maps.label: rows},
                               list(measures(args.protocol)), _title(args, dataset, items))
    print(report.table({maps.label: summaries}))
    if comparison:
        print(f'\nThe paper, Table 6 ({dataset.name}, official validation split, MSI-Net with '
              'ASPP trained 10 times):')
        print(report.paper_table(comparison))
    print(f'wrote scores.csv, summary.json{", scores.png" if args.plot else ""} to '
          f'{args.output}')
    return 0


class _maps:
    """A map source as a context manager (a model's predictor is closed afterwards)."""

    def __init__(self, args, source, backend: str, is_folder: bool,
                 size: Optional[str] = None):
        self._args, self._source, self._backend, self._folder = args, source, backend, \
            is_folder
        self._size = size
        self._predictor = None

    def __enter__(self):
        if self._folder:
            return FolderMaps(Path(self._source))
        options = argparse.Namespace(**{**vars(self._args), 'model': str(self._source),
                                        'backend': self._backend,
                                        'size': self._size or _size(self._args,
                                                                    Path(self._source))})
        self._predictor = predictor_from_args(options)
        return ModelMaps(self._predictor, self._args.map_depth, options.size)

    def __exit__(self, *exc):
        if self._predictor is not None:
            self._predictor.close()


def _size(args, model: Path) -> str:
    """
    Return the input size to run a model at.

    Without --size, a weights file runs at the size the official config.py uses for the
    dataset (MIT1003 360x360, CAT2000 216x384, …; 'auto' for a folder of images); ONNX files
    and engines run at their own size.
    """
    if args.size is not None:
        return args.size
    size = INPUT_SIZES.get(getattr(args, 'dataset_name', None) or '')
    if size is None or ModelSource.of(model).kind != WEIGHTS:
        return 'auto'
    report.say(f'{model.name}: input size {size[0]}x{size[1]}, the official one for '
               f'{args.dataset_name} (--size to change)')
    return f'{size[0]}x{size[1]}'


def _dataset(args):
    dataset = open_dataset(args.data, args.dataset)
    args.dataset_name = dataset.name
    samples = dataset.split(args.split)
    if args.limit:
        samples = samples[:args.limit]
    items = [Item(s.name, lambda s=s: dataset.stimulus(s), lambda s=s: dataset.truth(s))
             for s in samples]
    return dataset, items, fixations_of(item.truth() for item in items)


def _score(args, dataset, items, everyone, maps):
    """Fit the centre bias (training split, else in-sample) and score every image."""
    if args.split == 'official-val':
        training = dataset.split('official-train')
        bias_from = f'{dataset.name} official-train ({len(training)} images)'
        samples = fixations_of(dataset.truth(s) for s in training)
    else:
        bias_from = f'the {len(items)} evaluated images (in-sample: no training split)'
        samples = everyone
    try:
        bias: Optional[CentreBias] = CentreBias.fit(samples)
    except ValueError as exc:  # e.g. fewer than two images with fixations: IG is n/a
        bias, bias_from = None, f'none ({exc})'
    else:
        bias.save(args.output / 'centre_bias.npz')
        bias_from += f'; Gaussian width {bias.width:g}, uniform weight {bias.uniform_weight:g}'

    rows = evaluate(items, maps, measures(args.protocol), bias, args.seed, everyone,
                    _progress(args, maps.label))
    return rows, bias_from


def _progress(args, label: str):
    def bar(items):
        from tqdm import tqdm

        return tqdm(items, desc=label, unit='image', file=sys.stderr, disable=None)
    return bar


def _what(args, dataset, items, bias_from) -> Dict[str, object]:
    return {'dataset': {'name': dataset.name, 'root': str(dataset.root), 'split': args.split,
                        'images': len(items), 'limit': args.limit or None},
            'protocol': args.protocol, 'averaging': args.averaging, 'seed': args.seed,
            'centre_bias_fitted_on': bias_from}


def _title(args, dataset, items) -> str:
    return f'{dataset.name} {args.split} ({len(items)} images), {args.protocol} protocol'


def _compare(args) -> int:
    """Agreement of B with A on the images; both scored too where fixations exist."""
    first, second = (Path(path) for path in args.compare)
    is_dataset = (args.data / 'stimuli').is_dir() or args.dataset is not None
    if is_dataset:
        dataset, items, everyone = _dataset(args)
    else:
        files = list_images(args.data)[:args.limit or None]
        items = [Item(path.stem, lambda path=path: read_rgb(path)) for path in files]
    start = time.monotonic()
    with _maps(args, first, args.backend, first.is_dir()) as maps_a, \
            _maps(args, second, args.compare_backend or args.backend, second.is_dir(),
                  args.compare_size) as maps_b:
        if maps_a.label == maps_b.label and getattr(maps_b, 'size', '') != \
                getattr(maps_a, 'size', ''):
            maps_a.label, maps_b.label = (f'{maps.label} at {maps.size}' for maps in
                                          (maps_a, maps_b))
        if maps_a.label == maps_b.label:
            maps_a.label, maps_b.label = f'A: {maps_a.label}', f'B: {maps_b.label}'
        rows = [comparing.agreement(item.name, maps_a(item.name, item.image),
                                    maps_b(item.name, item.image))
                for item in _progress(args, 'compare')(items)]
        summary = comparing.summary(rows)
        scored: Dict[str, List] = {}
        fields: Dict[str, object] = {'images': len(rows), 'source': str(args.data)}
        if is_dataset:
            for maps in (maps_a, maps_b):
                scored[maps.label], bias_from = _score(args, dataset, items, everyone, maps)
            fields.update(_what(args, dataset, items, bias_from))
        report.write_agreement_csv(args.output / 'agreement.csv', rows)
        names = list(measures(args.protocol))
        tables = {label: summarise(rows_, names, args.averaging)
                  for label, rows_ in scored.items()}
        for index, (label, rows_) in enumerate(scored.items()):
            report.write_scores_csv(args.output / f'scores_{"AB"[index]}.csv', rows_, names)
        report.write_json(args.output / 'agreement.json', report.record(
            args.argv, seconds=round(time.monotonic() - start, 1), **fields,
            a=maps_a.describe(), b=maps_b.describe(), agreement=summary,
            least_agreeing=comparing.worst_images(rows),
            scores={label: report.summary_json(t) for label, t in tables.items()}))
        if args.plot:
            title = f'{maps_b.label} against {maps_a.label} ({len(rows)} images)'
            report.plot_agreement(args.output / 'agreement.png', rows, title)
            if scored:
                report.plot_scores(args.output / 'scores.png', scored, names,
                                   _title(args, dataset, items))
    _print_agreement(summary, maps_a.label, maps_b.label, len(rows))
    if tables:
        print(report.table(tables))
    print(f'wrote agreement.csv, agreement.json to {args.output}')
    return 0


def _print_agreement(summary: Dict, label_a: str, label_b: str, count: int) -> None:
    print(f'{label_b} against {label_a} on {count} images:')
    print('| | mean | median | worst | n/a |\n|---|---|---|---|---|')
    for column, values in summary.items():
        cells = [_number(values[key]) for key in ('mean', 'median', 'worst')]
        print(f'| {column} | ' + ' | '.join(cells) + f' | {values["n/a"]} |')


def _number(value: Optional[float]) -> str:
    return 'n/a' if value is None else f'{value:.4g}'
