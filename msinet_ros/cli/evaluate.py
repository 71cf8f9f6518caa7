"""
``msinet evaluate``: a model's scores on a saliency dataset, or two models' agreement.

``msinet evaluate DATASET -m MODEL`` (or ``--maps FOLDER``) prints the paper's table (mean ±
standard deviation per measure) for the chosen protocol and writes ``scores.csv``,
``summary.json`` and ``scores.png``. ``msinet evaluate IMAGES --compare A B`` measures how
closely B's maps follow A's (CC, KLD, top-fixation distance); on a dataset it scores both too,
from the same maps. A and B are model files (run with the model options; ``--compare-backend``
and ``--compare-size`` for B) or folders of maps.
"""

import argparse
from contextlib import ExitStack
from pathlib import Path
import sys
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .model_args import add_model_arguments, count_arg, predictor_from_args
from ..errors import ParameterError, require
from ..evaluation import compare as comparing, report
from ..evaluation.datasets import Dataset, open_dataset, SPLITS
from ..evaluation.maps import DEFAULT_MAP_DEPTH, FolderMaps, MAP_DEPTHS, ModelMaps
from ..evaluation.runner import contexts, fixations_of, Item, MapSource, Points, Setting
from ..evaluation.scores import AVERAGING, ImageScores, score_image, summarise
from ..imaging import list_images, read_rgb
from ..inference.backends import NAMES
from ..metrics.common import Measures
from ..metrics.density import CentreBias
from ..metrics.legacy import import_pot
from ..metrics.protocols import DEFAULT_PROTOCOL, measures, PROTOCOLS, shuffled_other_images
from ..model.architecture import DATASET_SIZES
from ..model.source import ModelSource, WEIGHTS

Maps = Union[ModelMaps, FolderMaps]


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
                        help='score precomputed maps (<name>.png or <name>_saliency.png, 8 or '
                             '16 bit) instead of running a model')
    source.add_argument('--compare', nargs=2, type=Path, metavar=('A', 'B'),
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
                        help='mean over images, or over fixations for AUC, sAUC, NSS and IG '
                             '(default image)')
    parser.add_argument('--map-depth', choices=MAP_DEPTHS, default=DEFAULT_MAP_DEPTH,
                        help="a model's maps are scored as 8-bit images like the official "
                             f'test path writes them, or as floats (default {DEFAULT_MAP_DEPTH})')
    parser.add_argument('--limit', type=count_arg, default=0, metavar='N',
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
    _check_dependencies(args)
    args.output.mkdir(parents=True, exist_ok=True)
    return _compare(args) if args.compare else _evaluate(args)


def _check_dependencies(args: argparse.Namespace) -> None:
    """Fail before any work for a missing optional dependency the run will need."""
    require('tqdm', 'install it (`pip install tqdm`, apt: python3-tqdm) for the progress bar')
    if args.protocol == 'legacy':
        import_pot()  # as EMD imports it: without TensorFlow/PyTorch backends
    if args.plot:
        report.check_plotting()


class Scoring:
    """What scoring a dataset needs: its items, everyone's fixations, the shared setting."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.dataset: Dataset = open_dataset(args.data, args.dataset)
        samples = self.dataset.split(args.split)[:args.limit or None]
        self.items = [Item(s.name, lambda s=s: self.dataset.stimulus(s),
                           lambda s=s: self.dataset.truth(s)) for s in samples]
        self.everyone: List[Points] = fixations_of(item.truth() for item in self.items)
        self.measures: Measures = measures(args.protocol)
        bias, self.bias_from = self._centre_bias()
        self.setting = Setting(bias, args.seed, shuffled_other_images(args.protocol))

    def _centre_bias(self) -> Tuple[Optional[CentreBias], str]:
        """Fit the centre bias on the official training split, else in-sample."""
        if self.args.split == 'official-val':
            training = self.dataset.split('official-train')
            where = f'{self.dataset.name} official-train ({len(training)} images)'
            samples = fixations_of(self.dataset.truth(s) for s in training)
        else:
            where = f'the {len(self.items)} evaluated images (in-sample: no training split)'
            samples = self.everyone
        try:
            bias = CentreBias.fit(samples)
        except ValueError as exc:  # e.g. fewer than two images with fixations: IG is n/a
            return None, f'none ({exc})'
        bias.save(self.args.output / 'centre_bias.npz')
        return bias, (f'{where}; blur width {bias.width:g} (64-cell grid), uniform weight '
                      f'{bias.uniform_weight:g}')

    def score(self, maps: Sequence[MapSource], progress: Callable[[Iterable], Iterable]
              ) -> List[List[ImageScores]]:
        """Score each map source on every item (each map computed once per item)."""
        rows: List[List[ImageScores]] = [[] for _ in maps]
        for item, truth, context in contexts(self.items, self.setting, self.everyone,
                                             progress):
            for source, scored in zip(maps, rows):
                scored.append(score_image(item.name, source(item.name, item.image), truth,
                                          self.measures, context))
        return rows

    def summaries(self, rows: Sequence[ImageScores]):
        """Return the table's column for one source's rows."""
        return summarise(rows, list(self.measures), self.args.averaging)

    def record(self) -> Dict[str, object]:
        """Return what the JSON records say about the set and how it was scored."""
        args = self.args
        return {'dataset': {'name': self.dataset.name, 'root': str(self.dataset.root),
                            'split': args.split, 'images': len(self.items),
                            'limit': args.limit or None},
                'protocol': args.protocol, 'averaging': args.averaging, 'seed': args.seed,
                'sauc_other_images': self.setting.other_images or 'all',
                'centre_bias_fitted_on': self.bias_from}

    def title(self) -> str:
        """Return the plot's title."""
        return (f'{self.dataset.name} {self.args.split} ({len(self.items)} images), '
                f'{self.args.protocol} protocol')

    def paper_comparable(self) -> bool:
        """Return whether the table is the paper's Table 6 setting (full split, per image)."""
        args = self.args
        return (args.split, args.protocol, args.averaging, args.limit) == \
            ('official-val', 'legacy', 'image', 0)


def _evaluate(args: argparse.Namespace) -> int:
    scoring = Scoring(args)
    start = time.monotonic()
    with ExitStack() as stack:
        source = Path(args.model) if args.model else args.maps
        maps = _open(stack, args, source, args.backend, args.size, scoring.dataset.name)
        (rows,) = scoring.score([maps], _progress(maps.label))
    summaries = scoring.summaries(rows)
    comparison = report.paper_comparison(scoring.dataset.name, summaries) \
        if scoring.paper_comparable() else {}
    report.write_scores_csv(args.output / 'scores.csv', rows, list(scoring.measures))
    report.write_json(args.output / 'summary.json', report.record(
        args.argv, seconds=round(time.monotonic() - start, 1), **scoring.record(),
        maps=maps.describe(), summary=report.summary_json(summaries),
        paper_table6=comparison or None))
    if args.plot:
        report.plot_scores(args.output / 'scores.png', {maps.label: rows},
                           list(scoring.measures), scoring.title())
    print(report.table({maps.label: summaries}))
    if comparison:
        print(f'\nThe paper, Table 6 ({scoring.dataset.name}, official validation split, '
              'MSI-Net with ASPP trained 10 times):')
        print(report.paper_table(comparison))
    written = 'scores.csv, summary.json' + (', scores.png' if args.plot else '')
    print(f'wrote {written} to {args.output}')
    return 0


def _compare(args: argparse.Namespace) -> int:
    """Agreement of B with A on the images; on a dataset both scored too, from the same maps."""
    first, second = args.compare
    scoring = Scoring(args) if (args.data / 'stimuli').is_dir() or args.dataset else None
    start = time.monotonic()
    with ExitStack() as stack:
        dataset = scoring.dataset.name if scoring else None
        maps_a = _open(stack, args, first, args.backend, args.size, dataset)
        maps_b = _open(stack, args, second, args.compare_backend or args.backend,
                       args.compare_size or args.size, dataset)
        _distinct_labels(maps_a, maps_b)
        pair = comparing.PairedMaps(maps_a, maps_b)
        if scoring is not None:
            rows_a, rows_b = scoring.score([pair.first, pair.second], _progress('compare'))
            scored = {maps_a.label: rows_a, maps_b.label: rows_b}
        else:
            for path in _progress('compare')(list_images(args.data)[:args.limit or None]):
                pair.first(path.stem, lambda path=path: read_rgb(path))
            scored = {}
        describe = (maps_a.describe(), maps_b.describe())
    _write_comparison(args, scoring, pair.agreements, scored, (maps_a.label, maps_b.label),
                      describe, time.monotonic() - start)
    return 0


def _write_comparison(args: argparse.Namespace, scoring: Optional[Scoring],
                      agreements: List[comparing.Agreement],
                      scored: Dict[str, List[ImageScores]], labels: Tuple[str, str],
                      describe: Tuple[Dict, Dict], seconds: float) -> None:
    summary = comparing.summary(agreements)
    tables = {label: scoring.summaries(rows) for label, rows in scored.items()} \
        if scoring else {}
    report.write_agreement_csv(args.output / 'agreement.csv', agreements)
    for letter, rows in zip('AB', scored.values()):
        report.write_scores_csv(args.output / f'scores_{letter}.csv', rows,
                                list(scoring.measures))
    fields = scoring.record() if scoring else {'source': str(args.data)}
    report.write_json(args.output / 'agreement.json', report.record(
        args.argv, seconds=round(seconds, 1), images=len(agreements), **fields,
        a=describe[0], b=describe[1], agreement=summary,
        least_agreeing=comparing.worst_images(agreements),
        scores={label: report.summary_json(table) for label, table in tables.items()}))
    if args.plot:
        report.plot_agreement(args.output / 'agreement.png', agreements,
                              f'{labels[1]} against {labels[0]} ({len(agreements)} images)')
        if scored:
            report.plot_scores(args.output / 'scores.png', scored, list(scoring.measures),
                               scoring.title())
    print(f'{labels[1]} against {labels[0]} on {len(agreements)} images:')
    print(report.agreement_table(summary))
    if tables:
        print(report.table(tables))
    print(f'wrote agreement.csv, agreement.json to {args.output}')


def _open(stack: ExitStack, args: argparse.Namespace, source: Path, backend: str,
          size: Optional[str], dataset: Optional[str]) -> Maps:
    """Return the maps of a folder, or of a model (its predictor closed with the stack)."""
    if source.is_dir():
        return FolderMaps(source)
    chosen = size or _official_size(source, dataset)
    options = argparse.Namespace(**{**vars(args), 'model': str(source), 'backend': backend,
                                    'size': chosen})
    predictor = stack.enter_context(predictor_from_args(options))
    return ModelMaps(predictor, args.map_depth, chosen)


def _official_size(model: Path, dataset: Optional[str]) -> str:
    """
    Return the input size of a model run without --size.

    A weights file runs at the size the official config.py uses for the dataset (MIT1003
    360x360, CAT2000 216x384, …; 'auto' for a folder of images); ONNX files and engines run
    at their own size.
    """
    size = DATASET_SIZES.get(dataset or '')
    if size is None or ModelSource.of(model).kind != WEIGHTS:
        return 'auto'
    print(f'{model.name}: input size {size[0]}x{size[1]}, the official one for {dataset} '
          '(--size to change)', file=sys.stderr)
    return f'{size[0]}x{size[1]}'


def _distinct_labels(maps_a: Maps, maps_b: Maps) -> None:
    """Name A and B apart in tables and plots when their files have the same name."""
    if maps_a.label != maps_b.label:
        return
    sizes = getattr(maps_a, 'size', None), getattr(maps_b, 'size', None)
    if sizes[0] != sizes[1]:
        maps_a.label, maps_b.label = (f'{maps.label} at {size}'
                                      for maps, size in zip((maps_a, maps_b), sizes))
    else:
        maps_a.label, maps_b.label = f'A: {maps_a.label}', f'B: {maps_b.label}'


def _progress(label: str) -> Callable[[Iterable], Iterable]:
    def bar(items: Iterable) -> Iterable:
        from tqdm import tqdm

        return tqdm(items, desc=label, unit='image', file=sys.stderr, disable=None)
    return bar
