#!/usr/bin/env python3
r"""
Write the legacy (MIT benchmark) measures' reference values, computed by cvzoya's MATLAB code.

The cvzoya/saliency functions (``code_forMetrics``: AUC_Judd, AUC_Borji, AUC_shuffled, NSS,
CC, similarity, KLdiv, EMD, InfoGain) run unmodified in GNU Octave with the image package,
on small inputs this script makes (seeded), with the random draws passed in: the folder
``test/tools/octave/shadow`` goes first on Octave's path, and its ``rand``, ``randi`` and
``randperm`` return the draws written here. ``test/tools/octave/legacy_reference.m`` calls
the functions. Nothing is fetched or built: give a checkout of cvzoya/saliency and a compiled
FastEMD mex.

One change is made, to a temporary copy: HEAD's EMD.m holds an unresolved merge conflict
around its ``function`` line; the copy keeps the later side (the 4-argument signature with
``downsize``, which the body uses) and drops the markers and the 3-argument line.

FastEMD's ``emd_hat_gd_metric_mex`` (EMD.m's solver), compiled by hand for Octave. Octave's
``mwSize`` is 64-bit and FastEMD declares two size arrays as ``int``, so those two
declarations are changed in a copy (nothing else)::

    cp -r <checkout>/code_forMetrics/FastEMD /tmp/fastemd && cd /tmp/fastemd
    sed -i -e 's/int dims\[\]= {1};/mwSize dims[]= {1};/' \
           -e 's/int Fdims\[2\];/mwSize Fdims[2];/' emd_hat_compute_mex.hxx
    mkoctfile --mex -O -DNDEBUG emd_hat_gd_metric_mex.cxx   # apt-get install octave-dev

Usage::

    python3 test/tools/make_legacy_metric_fixtures.py <checkout> \
        --mex /tmp/fastemd/emd_hat_gd_metric_mex.mex [--commit SHA] [--octave octave]

Output: ``test/data/metrics/legacy_reference.json`` (values, versions, command) and
``legacy_reference.npz`` (inputs and draws; float maps are float32-representable doubles).

Resizing. The image package's ``imresize`` (2.14) is bicubic with antialiasing and symmetric
padding like MATLAB's, but it does not normalise each output pixel's weights: it equals
MATLAB's where the kernel's taps sum to 1 anyway, i.e. enlarging by any factor and shrinking
by an integer factor, and differs elsewhere. Most cases therefore have the saliency map at the
fixation map's size and call EMD with ``downsize=1`` on maps of the reduced size; one case
enlarges the map 2x and one runs EMD's own 1/32 reduction (integer factors), and
``imresize`` cases check only such factors. The inputs are positive where KLD and EMD resize
them, so no bicubic overshoot below 0 (which msinet_ros sets to 0) occurs. Thresholds of
AUC-Borji/sAUC (``0:0.1:max``) are built differently by Octave (``0.1 * k``) and MATLAB (from
both ends); no map value lies on one, so the two agree here.
"""

import argparse
import json
import pathlib
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import numpy as np
import scipy
from scipy.io import loadmat, savemat
from scipy.ndimage import gaussian_filter

FORMAT = 1
SEED = 20260611
ROOT = pathlib.Path(__file__).resolve().parents[2]
OCTAVE_DIR = pathlib.Path(__file__).resolve().parent / 'octave'
DEFAULT_OUT = ROOT / 'test' / 'data' / 'metrics' / 'legacy_reference'
FUNCTIONS = ('AUC_Judd', 'AUC_Borji', 'AUC_shuffled', 'NSS', 'CC', 'similarity', 'KLdiv',
             'EMD', 'InfoGain')
MEASURE_NAMES = {'auc_judd': 'AUC-Judd', 'sim': 'SIM', 'emd': 'EMD', 'auc_borji': 'AUC-Borji',
                 'auc_shuffled': 'sAUC', 'cc': 'CC', 'nss': 'NSS', 'kld': 'KLD', 'ig': 'IG'}
ALL = tuple(MEASURE_NAMES)
SHAPE = (24, 32)
EMD_SIGNATURE = 'function [score,D,flowMat] = EMD(saliencyMap, fixationMap, toPlot, downsize)'


def resolve_emd_conflict(text: str) -> Tuple[str, bool]:
    """Return EMD.m with its merge conflict resolved to the later side, and whether it had one."""
    pattern = re.compile(r'^<<<<<<< [^\n]*\n.*?^=======\n(.*?)^>>>>>>> [^\n]*\n',
                         re.MULTILINE | re.DOTALL)
    resolved, count = pattern.subn(lambda match: match.group(1), text)
    if '<<<<<<<' in resolved or '>>>>>>>' in resolved or count > 1:
        raise SystemExit('EMD.m: unexpected merge-conflict layout; resolve it by hand')
    if EMD_SIGNATURE not in resolved:
        raise SystemExit(f'EMD.m: expected the line {EMD_SIGNATURE!r}')
    return resolved, count == 1


def as_float32(values: np.ndarray) -> np.ndarray:
    """Return float64 values that float32 holds exactly (so the .npz can store float32)."""
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def blobs(rng: np.random.Generator, shape: Tuple[int, int], count: int) -> np.ndarray:
    """Return a sum of Gaussian blobs of random place, width and weight."""
    rows, cols = np.indices(shape, dtype=np.float64)
    out = np.zeros(shape)
    for _ in range(count):
        centre = rng.uniform((0, 0), shape)
        sigma = rng.uniform(0.1, 0.25) * min(shape)
        out += rng.uniform(0.3, 1.0) * np.exp(
            -((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2) / (2 * sigma ** 2))
    return out


def fixation_map(rng: np.random.Generator, weights: np.ndarray, count: int) -> np.ndarray:
    """Return a binary map of ``count`` distinct pixels drawn with probability ~ weights."""
    flat = weights.ravel() / weights.sum()
    chosen = rng.choice(flat.size, size=count, replace=False, p=flat)
    binary = np.zeros(weights.size, dtype=bool)
    binary[chosen] = True
    return binary.reshape(weights.shape)


def density_of(binary: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """Return the blurred fixation map scaled to a maximum of 1 (a dataset's density map)."""
    blurred = gaussian_filter(binary.astype(np.float64), sigma)
    return as_float32(blurred / blurred.max()) if binary.any() else blurred


def make_cases(rng: np.random.Generator) -> Dict[str, dict]:
    """Return the cases: inputs, draws and the measures the MATLAB code is asked for."""
    rows, cols = np.indices(SHAPE, dtype=np.float64)
    baseline = np.exp(-((rows - 11.5) ** 2 / 72.0 + (cols - 15.5) ** 2 / 128.0))
    baseline = as_float32(baseline / baseline.sum())
    cases = {}

    def add(name, saliency, fixated, *, density=None, other=None, splits=100,
            measures=ALL, emd_saliency=None, emd_density=None, emd_downsize=1):
        density = density_of(fixated) if density is None else density
        other = (fixation_map(rng, np.ones(SHAPE), 40) if other is None else other)
        n_fix = int(fixated.sum())
        n_other = int(other.sum())
        cases[name] = {
            'saliency': as_float32(saliency), 'fixation_map': fixated,
            'density': density, 'baseline': baseline, 'other_map': other,
            'jitter': as_float32(rng.random(SHAPE)),
            'borji_draws': rng.integers(0, fixated.size, size=(n_fix, splits)),
            'shuffle_permutations': np.stack([rng.permutation(n_other)
                                              for _ in range(splits)]).reshape(splits, n_other),
            'splits': splits, 'measures': measures,
            'emd_saliency': as_float32(saliency if emd_saliency is None else emd_saliency),
            'emd_density': density if emd_density is None else as_float32(emd_density),
            'emd_downsize': emd_downsize,
        }

    # Smooth map, 30 fixations near its blobs, 40 other-image fixations.
    smooth = blobs(rng, SHAPE, 3) + 0.05 * rng.random(SHAPE)
    add('smooth', smooth, fixation_map(rng, blobs(rng, SHAPE, 3) + 0.02, 30),
        emd_saliency=blobs(rng, (12, 16), 2) + 0.01, emd_density=blobs(rng, (12, 16), 3))
    # Flat regions: 4x4 blocks at six levels (none on an AUC-Borji threshold); other images
    # have fewer fixated pixels (10) than this one (25).
    levels = np.array([0.0, 0.13, 0.37, 0.61, 0.89, 1.0])
    blocks = levels[rng.integers(0, levels.size, size=(6, 8))]
    flat = np.kron(blocks, np.ones((4, 4)))
    add('ties', flat, fixation_map(rng, flat + 0.2, 25),
        other=fixation_map(rng, np.ones(SHAPE), 10), splits=40,
        emd_saliency=np.kron(blocks[:4, :5], np.ones((2, 2))) + 0.0,
        emd_density=blobs(rng, (8, 10), 2))
    # Mostly zero (a thresholded map): KLD's eps terms, ties at 0.
    sparse = blobs(rng, SHAPE, 2)
    sparse[sparse < np.quantile(sparse, 0.7)] = 0.0
    add('zeros', sparse, fixation_map(rng, blobs(rng, SHAPE, 3) + 0.05, 40), splits=30,
        emd_saliency=np.where(blobs(rng, (15, 20), 2) > 0.5, 1.0, 0.0) + 0.0,
        emd_density=blobs(rng, (15, 20), 3))
    # Negative values (not a distribution: no KLD, EMD).
    signed = gaussian_filter(rng.standard_normal(SHAPE), 2.0)
    add('negative', signed, fixation_map(rng, np.ones(SHAPE), 20), splits=20,
        measures=('auc_judd', 'auc_borji', 'auc_shuffled', 'nss', 'cc', 'sim', 'ig'))
    # Constant map: only the jittered AUC-Judd, KLD and EMD are defined.
    add('constant', np.full(SHAPE, 0.5), fixation_map(rng, np.ones(SHAPE), 15), splits=10,
        emd_saliency=np.full((12, 16), 0.5), emd_density=blobs(rng, (12, 16), 2))
    # All-zero map: SIM 0, KLD large, the rest NaN but the jittered AUC-Judd (no EMD: 0 / 0).
    add('all_zero', np.zeros(SHAPE), fixation_map(rng, np.ones(SHAPE), 15), splits=10,
        measures=('auc_judd', 'auc_borji', 'auc_shuffled', 'nss', 'cc', 'sim', 'kld', 'ig'))
    # One and two fixated pixels: AUC-Borji needs two.
    add('one_fixation', smooth, fixation_map(rng, np.ones(SHAPE), 1), splits=10,
        measures=('auc_judd', 'auc_borji', 'auc_shuffled', 'nss', 'ig'))
    add('two_fixations', smooth, fixation_map(rng, np.ones(SHAPE), 2), splits=100,
        measures=('auc_judd', 'auc_borji', 'auc_shuffled', 'nss', 'ig'))
    # No fixations: every fixation-based measure NaN.
    add('no_fixations', smooth, np.zeros(SHAPE, dtype=bool), splits=10,
        measures=('auc_judd', 'auc_borji', 'auc_shuffled', 'nss', 'ig'))
    # The map at half the size: every measure resizes it (2x enlargement, MATLAB = Octave).
    small = blobs(rng, (12, 16), 3) + 0.1
    density = blobs(rng, SHAPE, 3)
    add('enlarged', small, fixation_map(rng, density + 0.05, 30), density=as_float32(density),
        splits=50, emd_saliency=blobs(rng, (48, 64), 3) + 0.1,
        emd_density=np.round(255 * (blobs(rng, (96, 128), 4) + 0.05)) / 255, emd_downsize=32)
    return cases


def imresize_cases(rng: np.random.Generator) -> Dict[str, Tuple[np.ndarray, object]]:
    """Return imresize inputs and arguments whose result MATLAB and Octave share."""
    ramp = as_float32(np.add.outer(np.arange(6.0), 0.5 * np.arange(7.0)))
    return {
        'enlarge_2': (as_float32(rng.random((6, 8))), 2.0),
        'enlarge_to_size': (as_float32(rng.random((7, 5))), (16, 13)),
        'enlarge_ramp_3': (ramp, 3.0),
        'shrink_half': (as_float32(rng.random((12, 16))), 0.5),
        'shrink_to_quarter_size': (as_float32(rng.random((16, 12))), (4, 3)),
        'shrink_32': (as_float32(np.round(255 * rng.random((64, 96))) / 255), 1.0 / 32),
        'rows_only': (as_float32(rng.random((9, 5))), (18, 5)),
    }


def run_octave(octave: str, code: pathlib.Path, mex_dir: pathlib.Path, inputs: pathlib.Path,
               outputs: pathlib.Path) -> List[str]:
    """Run the driver; return the command."""
    paths = (mex_dir, code, OCTAVE_DIR, OCTAVE_DIR / 'shadow')  # the last added is first
    script = ' '.join(f"addpath('{path}');" for path in paths)
    script += f" legacy_reference('{inputs}', '{outputs}');"
    command = [octave, '--no-gui', '--norc', '--quiet', '--eval', script]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            check=False)
    if not outputs.exists():
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f'octave failed (exit {result.returncode})')
    return command


def commit_of(checkout: pathlib.Path, given: Optional[str]) -> str:
    """Return the given commit, or the checkout's HEAD."""
    if given:
        return given
    result = subprocess.run(['git', '-C', str(checkout), 'rev-parse', 'HEAD'],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f'{checkout} is not a git checkout: pass --commit')
    return result.stdout.strip()


def main(argv: Optional[List[str]] = None) -> int:
    """Generate the fixture."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('checkout', type=pathlib.Path,
                        help='cvzoya/saliency checkout (or its code_forMetrics folder)')
    parser.add_argument('--mex', type=pathlib.Path, required=True,
                        help='compiled emd_hat_gd_metric_mex.mex (see the docstring)')
    parser.add_argument('--commit', help="the checkout's commit (default: git rev-parse)")
    parser.add_argument('--octave', default='octave')
    parser.add_argument('-o', '--out', type=pathlib.Path, default=DEFAULT_OUT,
                        help='output path without suffix (.json and .npz are written)')
    args = parser.parse_args(argv)
    code_dir = args.checkout / 'code_forMetrics'
    if not code_dir.is_dir():
        code_dir = args.checkout
    if not (code_dir / 'AUC_Judd.m').is_file():
        raise SystemExit(f'no AUC_Judd.m in {code_dir}')
    if not args.mex.is_file():
        raise SystemExit(f'no compiled FastEMD mex at {args.mex}')
    commit = commit_of(args.checkout, args.commit)

    rng = np.random.default_rng(SEED)
    cases = make_cases(rng)
    resizes = imresize_cases(rng)
    with tempfile.TemporaryDirectory() as temp:
        temp_dir = pathlib.Path(temp)
        code = temp_dir / 'code'
        mex_dir = temp_dir / 'mex'
        code.mkdir()
        mex_dir.mkdir()
        for function in FUNCTIONS:
            text = (code_dir / f'{function}.m').read_text(encoding='utf-8', errors='replace')
            if function == 'EMD':
                text, fixed = resolve_emd_conflict(text)
            (code / f'{function}.m').write_text(text, encoding='utf-8')
        shutil.copy(args.mex, mex_dir / args.mex.name)
        matlab_inputs = {'n_cases': len(cases), 'n_imresize': len(resizes)}
        for index, (name, case) in enumerate(cases.items(), start=1):
            prefix = f'case{index}_'
            for key in ('saliency', 'density', 'baseline', 'jitter', 'emd_saliency',
                        'emd_density'):
                matlab_inputs[prefix + key] = case[key]
            matlab_inputs[prefix + 'fixation_map'] = case['fixation_map'].astype(np.float64)
            matlab_inputs[prefix + 'other_map'] = case['other_map'].astype(np.float64)
            # MATLAB indices are 1-based; ours are 0-based (column-major, as MATLAB's)
            matlab_inputs[prefix + 'borji_draws'] = case['borji_draws'].astype(np.float64) + 1
            matlab_inputs[prefix + 'shuffle_permutations'] = \
                case['shuffle_permutations'].astype(np.float64) + 1
            matlab_inputs[prefix + 'splits'] = float(case['splits'])
            matlab_inputs[prefix + 'emd_downsize'] = float(case['emd_downsize'])
            matlab_inputs[prefix + 'measures'] = ' '.join(case['measures'])
        for index, (image, argument) in enumerate(resizes.values(), start=1):
            matlab_inputs[f'imresize{index}_input'] = image
            matlab_inputs[f'imresize{index}_argument'] = np.atleast_1d(
                np.asarray(argument, dtype=np.float64))[None, :]
        inputs, outputs = temp_dir / 'inputs.mat', temp_dir / 'outputs.mat'
        savemat(inputs, matlab_inputs)
        command = run_octave(args.octave, code, mex_dir, inputs, outputs)
        result = loadmat(outputs)

    arrays: Dict[str, np.ndarray] = {}
    values: Dict[str, dict] = {}
    for index, (name, case) in enumerate(cases.items(), start=1):
        scores = {}
        for measure in case['measures']:
            score = float(result[f'case{index}_{measure}'].squeeze())
            scores[MEASURE_NAMES[measure]] = None if np.isnan(score) else score
        values[name] = {'splits': case['splits'], 'emd_downsize': case['emd_downsize'],
                        'values': scores}
        for key in ('saliency', 'density', 'jitter', 'emd_saliency', 'emd_density'):
            arrays[f'{name}/{key}'] = case[key].astype(np.float32)
        for key in ('fixation_map', 'other_map'):
            arrays[f'{name}/{key}'] = case[key]
        for key in ('borji_draws', 'shuffle_permutations'):
            arrays[f'{name}/{key}'] = case[key].astype(np.int16)
    arrays['baseline'] = next(iter(cases.values()))['baseline'].astype(np.float32)
    resize_values = {}
    for index, (name, (image, argument)) in enumerate(resizes.items(), start=1):
        arrays[f'imresize/{name}/input'] = image.astype(np.float32)
        arrays[f'imresize/{name}/output'] = result[f'imresize{index}']
        resize_values[name] = {'argument': argument if np.ndim(argument) == 0
                               else list(argument)}
    document = {
        'format': FORMAT,
        'description': 'Scores of cvzoya/saliency code_forMetrics (MIT benchmark, MATLAB) '
                       'run unmodified in GNU Octave on the inputs in legacy_reference.npz; '
                       'null where the MATLAB code returns NaN.',
        'generated_with': {
            'octave': str(result['octave_version'].squeeze()),
            'octave_image': str(result['image_version'].squeeze()),
            'cvzoya_saliency_commit': commit,
            'numpy': np.__version__, 'scipy': scipy.__version__,
            'python': platform.python_version(),
            'seed': SEED,
            'command': ' '.join(shlex.quote(part) for part in
                                ['python3', 'test/tools/make_legacy_metric_fixtures.py',
                                 *(sys.argv[1:] if argv is None else argv)]),
            'octave_command': ' '.join(shlex.quote(str(part)) for part in command)
                              .replace(temp, '<temp>'),
            'emd_m_change': ('merge-conflict markers and the 3-argument function line removed '
                             '(the later 4-argument signature kept)' if fixed else 'none'),
            'fastemd': 'emd_hat_gd_metric_mex compiled with mkoctfile --mex -O -DNDEBUG, '
                       'its two int size arrays declared mwSize (see the script docstring)',
        },
        'notes': 'Maps are at the fixation map size except case "enlarged" (2x, and EMD with '
                 'downsize 32): Octave image imresize equals MATLAB only for enlargement and '
                 'integer shrink factors. Draws are 0-based column-major pixel indices '
                 '(borji_draws: randi - 1) and 0-based permutations (randperm - 1).',
        'cases': values,
        'imresize': resize_values,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out.with_suffix('.npz'), **arrays)
    args.out.with_suffix('.json').write_text(json.dumps(document, indent=1) + '\n',
                                             encoding='utf-8')
    print(f'wrote {args.out}.json and .npz')
    return 0


if __name__ == '__main__':
    sys.exit(main())
