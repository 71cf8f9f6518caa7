"""``msinet import``: convert downloaded MSI-Net weights to the canonical safetensors file."""

import argparse
from pathlib import Path

from ..model import weights
from ..model.importers import detect_format, import_weights


def register(subparsers) -> None:
    """Add the ``import`` subcommand."""
    parser = subparsers.add_parser(
        'import', help='convert official MSI-Net weights (frozen .pb, SavedModel, checkpoint) '
                       'to a .safetensors weights file',
        description='Formats are detected by content: the official TF1 frozen graphs '
                    'model_<dataset>_<cpu|gpu>.pb (no TensorFlow needed), the TF2 SavedModel '
                    'folder from Hugging Face / Kaggle and TF1 checkpoints (both need '
                    'tensorflow-cpu), or an existing .safetensors file.')
    parser.add_argument('source', type=Path, help='file or folder to import')
    parser.add_argument('-o', '--output', type=Path, required=True,
                        help='weights file to write (.safetensors)')
    parser.add_argument('--dataset', help='training dataset to record (default: from an '
                                          'official file name such as model_salicon_cpu.pb)')
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Import, validate and write the weights; print what was written."""
    kind = detect_format(args.source)
    tensors, metadata = import_weights(args.source, dataset=args.dataset)
    weights.save(args.output, tensors, metadata)
    print(f'imported {args.source} ({kind}, dataset {metadata["dataset"]}, trained at '
          f'{metadata["input_size"]}) -> {args.output}')
    return 0
