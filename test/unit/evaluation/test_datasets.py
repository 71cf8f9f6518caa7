"""The official MSI-Net dataset layouts, their ground truth and their official splits."""

import sys

import cv2
from msinet_ros.errors import DatasetError, MissingDependencyError
from msinet_ros.evaluation import datasets
from msinet_ros.evaluation.datasets import open_dataset, read_fixations
import numpy as np
import pytest
from scipy.io import savemat
from scipy.ndimage import gaussian_filter
from support.synthetic_dataset import known_fixations, make_dataset

SIZE = (48, 64)
FEW = ('stimuli', 'saliency')  # enough to pair: the big split layouts skip the fixations


def _blurred(points, shape):
    binary = np.zeros(shape)
    binary[points[:, 0], points[:, 1]] = 1
    return gaussian_filter(binary, min(shape) / 20)


@pytest.mark.parametrize('name', datasets.DATASETS)
def test_each_layout_reads_back_the_drawn_fixations_and_8bit_density(tmp_path, name):
    folder = make_dataset(tmp_path, name, count=6, size=SIZE, seed=3)
    dataset = open_dataset(folder)
    assert dataset.name == name and dataset.root == folder and len(dataset.samples) == 6
    for sample in dataset.samples:
        truth = dataset.truth(sample)
        drawn = known_fixations(folder, sample.name)
        assert truth.shape == SIZE
        if name == 'salicon':  # point lists: every observer's fixation, repeats kept
            assert sorted(map(tuple, truth.fixations)) == sorted(map(tuple, drawn))
        else:  # binary maps: each fixated pixel once
            assert sorted(map(tuple, truth.fixations)) == sorted(set(map(tuple, drawn)))
        density = truth.density
        assert density.dtype == np.float64 and 0 <= density.min() and density.max() <= 1
        assert np.allclose(density * 255, np.rint(density * 255))  # 8-bit levels
        assert np.corrcoef(density.ravel(), _blurred(drawn, SIZE).ravel())[0, 1] > 0.99


def test_samples_follow_upstreams_sorted_path_order_not_numeric_order(tmp_path):
    dataset = open_dataset(make_dataset(tmp_path, 'pascals', count=12, placeholders=True))
    assert [s.name for s in dataset.samples] == sorted(str(n) for n in range(1, 13))
    assert [s.name for s in dataset.samples][:4] == ['1', '10', '11', '12']


def test_cat2000_names_and_categories_come_from_the_category_folders(tmp_path):
    folder = make_dataset(tmp_path, 'cat2000', count=6, categories=3, placeholders=True)
    samples = open_dataset(folder).samples
    assert [s.name for s in samples] == ['Action/001', 'Action/002', 'Affective/001',
                                         'Affective/002', 'Art/001', 'Art/002']
    assert [s.category for s in samples] == ['Action'] * 2 + ['Affective'] * 2 + ['Art'] * 2
    assert samples[0].fixations == folder / 'fixations' / 'Action' / '001.mat'
    assert samples[0].density == folder / 'saliency' / 'Action' / '001.jpg'


def test_mit1003_pairs_fixpts_and_fixmap_files_with_the_jpeg_stimulus(tmp_path):
    folder = make_dataset(tmp_path, 'mit1003', count=2, placeholders=True)
    sample = open_dataset(folder).samples[0]
    assert sample.stimulus.name == 'i00000_synthetic.jpeg'
    assert sample.fixations.name == 'i00000_synthetic_fixPts.jpg'
    assert sample.density.name == 'i00000_synthetic_fixMap.jpg'
    assert sample.category is None


@pytest.mark.parametrize('quality', [50, 75, 95])
def test_lossy_jpeg_fixation_maps_round_trip_through_the_threshold(tmp_path, quality):
    rng = np.random.default_rng(quality)
    binary = np.zeros((96, 128), np.uint8)
    binary[rng.integers(0, 96, 150), rng.integers(0, 128, 150)] = 255
    binary[40:42, 60:63] = 255  # a cluster: neighbours fixated too
    path = tmp_path / 'x_fixPts.jpg'
    cv2.imwrite(str(path), binary, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert ((decoded > 0) & (binary == 0)).any()  # the codec rings: '> 0' would be wrong
    assert ((decoded < 255) & (binary == 255)).any()  # and dims the fixations
    points = read_fixations(path, binary.shape)
    assert sorted(map(tuple, points)) == sorted(map(tuple, np.argwhere(binary)))


def test_mat_v73_fixlocs_are_read_with_h5py_like_v5_ones(tmp_path):
    pytest.importorskip('h5py')
    v5 = open_dataset(make_dataset(tmp_path / 'a', 'cat2000', count=2, seed=1))
    v73 = open_dataset(make_dataset(tmp_path / 'b', 'cat2000', count=2, seed=1,
                                    mat_version='7.3'))
    with open(v73.samples[0].fixations, 'rb') as mat:
        assert mat.read(512)[:10] == b'MATLAB 7.3' and mat.read(4) == b'\x89HDF'
    for old, new in zip(v5.samples, v73.samples):
        assert np.array_equal(v5.truth(old).fixations, v73.truth(new).fixations)
        assert len(v5.truth(old).fixations) > 0


def test_mat_v73_without_h5py_says_what_to_install(tmp_path, monkeypatch):
    pytest.importorskip('h5py')
    dataset = open_dataset(make_dataset(tmp_path, 'cat2000', count=1, mat_version='7.3'))
    monkeypatch.setitem(sys.modules, 'h5py', None)
    with pytest.raises(MissingDependencyError, match=r'pip install h5py\) to read \S*001\.mat'):
        dataset.truth(dataset.samples[0])


def test_salicon_gaze_fixations_are_one_based_x_y(tmp_path):
    gaze = np.zeros((2, 1), dtype=[('location', 'O'), ('timestamp', 'O'), ('fixations', 'O')])
    gaze[0, 0] = (np.zeros((0, 2)), np.zeros((0, 1)), np.array([[1.0, 1.0], [64.0, 48.0]]))
    gaze[1, 0] = (np.zeros((0, 2)), np.zeros((0, 1)), np.array([[10.0, 3.0], [1.0, 1.0]]))
    savemat(str(tmp_path / 'g.mat'), {'gaze': gaze})
    points = read_fixations(tmp_path / 'g.mat', SIZE)
    assert points.tolist() == [[0, 0], [47, 63], [2, 9], [0, 0]]


def test_a_mat_file_without_fixations_names_what_it_holds(tmp_path):
    savemat(str(tmp_path / 'x.mat'), {'something': np.eye(2)})
    with pytest.raises(DatasetError, match=r'x\.mat holds neither fixLocs .* something'):
        read_fixations(tmp_path / 'x.mat', (2, 2))
    (tmp_path / 'bad.mat').write_bytes(b'not a mat file at all' * 10)
    with pytest.raises(DatasetError, match=r'bad\.mat is not a readable \.mat'):
        read_fixations(tmp_path / 'bad.mat', (2, 2))


def _unlink(path):
    path.unlink()


def _touch(path):
    path.write_bytes(b'')


@pytest.mark.parametrize('name, count, change, file, message', [
    ('mit1003', 4, _unlink, 'fixations/i00002_synthetic_fixPts.jpg',
     r'4 stimuli but 3 fixation files .*first unpaired file is \S*stimuli/i00002_synthetic\.jpeg'),
    ('osie', 2, _touch, 'stimuli/1001.png', r'1001\.jpg and \S*1001\.png are both stimuli'),
    ('osie', 3, _touch, 'saliency/0999.png',
     r'3 stimuli but 4 density maps .*first unpaired file is \S*saliency/0999\.png'),
    ('osie', 2, _touch, 'fixations/1001.jpg',
     r'1001\.jpg and \S*1001\.png are both fixation'),
], ids=['stimulus-without-fixations', 'two-stimuli-of-one-name', 'density-without-stimulus',
        'two-fixation-files-for-one-stimulus'])
def test_a_file_that_does_not_pair_is_named_with_the_counts(tmp_path, name, count, change,
                                                            file, message):
    folder = make_dataset(tmp_path, name, count=count, placeholders=True)
    change(folder / file)
    with pytest.raises(DatasetError, match=message):
        open_dataset(folder)


def test_a_fixlocs_of_another_shape_names_both_sizes(tmp_path):
    savemat(str(tmp_path / 'x.mat'), {'fixLocs': np.zeros((3, 4), bool)})
    with pytest.raises(DatasetError, match=r'x\.mat is 3x4 but its stimulus is 48x64'):
        read_fixations(tmp_path / 'x.mat', SIZE)


def test_a_missing_fixations_folder_leaves_fixations_out(tmp_path):
    folder = make_dataset(tmp_path, 'osie', count=2)
    for path in (folder / 'fixations').iterdir():
        path.unlink()
    (folder / 'fixations').rmdir()
    dataset = open_dataset(folder)
    assert all(s.fixations is None for s in dataset.samples)
    truth = dataset.truth(dataset.samples[0])
    assert truth.fixations.shape == (0, 2) and truth.density is not None


@pytest.mark.parametrize('remove', [('stimuli',), ('fixations', 'saliency')])
def test_a_folder_without_stimuli_or_any_truth_is_refused(tmp_path, remove):
    folder = tmp_path / 'mit1003'
    for part in set(datasets.FOLDERS) - set(remove):
        (folder / part).mkdir(parents=True)
    with pytest.raises(DatasetError, match='needs stimuli/ and at least one of'):
        open_dataset(folder)


def test_an_empty_stimuli_folder_is_refused(tmp_path):
    for part in datasets.FOLDERS:
        (tmp_path / 'osie' / part).mkdir(parents=True)
    with pytest.raises(DatasetError, match=r'holds no \.png/\.jpg/\.jpeg files'):
        open_dataset(tmp_path / 'osie')


@pytest.mark.parametrize('part', ['fixations', 'saliency'])
def test_a_map_of_another_size_than_its_stimulus_names_both_sizes(tmp_path, part):
    folder = make_dataset(tmp_path, 'pascals', count=1)
    cv2.imwrite(str(folder / part / '1.png'), np.zeros((24, 32), np.uint8))
    dataset = open_dataset(folder)
    with pytest.raises(DatasetError, match=r'1\.png is 24x32 but its stimulus is 48x64'):
        dataset.truth(dataset.samples[0])


def test_an_unreadable_stimulus_names_the_file(tmp_path):
    folder = make_dataset(tmp_path, 'osie', count=2)
    (folder / 'stimuli' / '1002.jpg').write_bytes(b'\xff\xd8 truncated')
    dataset = open_dataset(folder)
    for read in (dataset.truth, dataset.stimulus):
        with pytest.raises(DatasetError, match=r'stimulus \S*1002\.jpg is not a readable'):
            read(dataset.samples[1])
    assert dataset.stimulus(dataset.samples[0]).shape == SIZE + (3,)


@pytest.mark.parametrize('folder_name, expected', [('DUT-OMRON', 'dutomron'),
                                                   ('PASCAL-S', 'pascals'),
                                                   ('MIT1003', 'mit1003'), ('cat2000', 'cat2000'),
                                                   ('Salicon', 'salicon'), ('OSIE', 'osie')])
def test_the_dataset_is_named_by_its_folder_in_any_spelling(tmp_path, folder_name, expected):
    folder = make_dataset(tmp_path, 'osie', count=1, placeholders=True)
    folder.rename(tmp_path / folder_name)
    assert open_dataset(tmp_path / folder_name).name == expected


def test_the_parent_folder_and_a_name_find_the_dataset_folder(tmp_path):
    make_dataset(tmp_path, 'osie', count=1, placeholders=True)
    make_dataset(tmp_path, 'pascals', count=1, placeholders=True)
    assert open_dataset(tmp_path, 'PASCAL-S').root == tmp_path / 'pascals'
    with pytest.raises(DatasetError, match='found: osie, pascals'):
        open_dataset(tmp_path)


def test_an_unknown_folder_name_or_dataset_name_is_refused(tmp_path):
    folder = make_dataset(tmp_path, 'osie', count=1, placeholders=True)
    folder.rename(tmp_path / 'mydata')
    with pytest.raises(DatasetError, match='cannot tell which dataset'):
        open_dataset(tmp_path / 'mydata')
    assert open_dataset(tmp_path / 'mydata', 'osie').name == 'osie'
    with pytest.raises(DatasetError, match='unknown dataset .*mit1003, cat2000'):
        open_dataset(tmp_path / 'mydata', 'fiwi')
    with pytest.raises(DatasetError, match='does not exist'):
        open_dataset(tmp_path / 'nowhere')


# The official splits, re-derived from data.py's arithmetic: the stimuli sorted as path strings,
# np.arange(n) shuffled in place by RandomState(42) (the same as its permutation(n)), the first
# n_train positions for training. The literals were printed from numpy 1.26 and 2.4 (the legacy
# RandomState stream is frozen): they pin the stream, not just our reuse of it.
SHUFFLED_SPLITS = [  # name, total, n_train, first validation positions
    ('mit1003', 1003, 803, [556, 960, 577, 795, 85, 242]),
    ('osie', 700, 500, [186, 123, 593, 96, 143, 239]),
    ('pascals', 850, 650, [441, 496, 112, 232, 738, 607]),
    ('dutomron', 5168, 4168, [4701, 4321, 4802, 3300, 3310, 327]),
]


@pytest.mark.parametrize('name, total, n_train, first', SHUFFLED_SPLITS)
def test_official_splits_reproduce_upstreams_shuffle(tmp_path, name, total, n_train, first):
    folder = make_dataset(tmp_path, name, count=total, placeholders=True, folders=FEW)
    names = sorted(path.name for path in (folder / 'stimuli').iterdir())
    permutation = np.random.RandomState(42).permutation(total)
    assert permutation[n_train:n_train + 6].tolist() == first
    dataset = open_dataset(folder)
    val, train = dataset.split('official-val'), dataset.split('official-train')
    assert [s.stimulus.name for s in val] == [names[i] for i in permutation[n_train:]]
    assert [s.stimulus.name for s in train] == [names[i] for i in permutation[:n_train]]
    assert len(val) == total - n_train and {s.name for s in val} | {s.name for s in train} == {
        s.name for s in dataset.samples}


def test_official_cat2000_split_is_the_last_20_of_one_shuffle_in_each_category(tmp_path):
    folder = make_dataset(tmp_path, 'cat2000', count=2000, categories=20, placeholders=True,
                          folders=FEW)
    categories = sorted(path.name for path in (folder / 'stimuli').iterdir())
    shuffled = np.random.RandomState(42).permutation(100)
    assert shuffled[80:86].tolist() == [63, 84, 37, 29, 1, 52]
    expected_val, expected_train = [], []
    for category in categories:  # 001.jpg … 100.jpg: sorted position i is file i + 1
        expected_val += [f'{category}/{i + 1:03d}' for i in shuffled[-20:]]
        expected_train += [f'{category}/{i + 1:03d}' for i in shuffled[:80]]
    dataset = open_dataset(folder)
    assert [s.name for s in dataset.split('official-val')] == expected_val
    assert [s.name for s in dataset.split('official-train')] == expected_train
    assert expected_val[:2] == ['Action/064', 'Action/085'] and len(expected_val) == 400


def test_official_cat2000_split_needs_equal_categories(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, 'CAT2000_PER_CATEGORY', 5)  # 100 stimuli, not 2000
    monkeypatch.setitem(datasets.OFFICIAL_COUNTS, 'cat2000',
                        {'official-train': 80, 'official-val': 20})
    good = open_dataset(make_dataset(tmp_path / 'a', 'cat2000', count=100, categories=20,
                                     placeholders=True, folders=FEW))
    assert len(good.split('official-val')) == 20
    bad = open_dataset(make_dataset(tmp_path / 'b', 'cat2000', count=100, categories=19,
                                    placeholders=True, folders=FEW))
    with pytest.raises(DatasetError, match=r'20 category folders .* stimuli 5\.\.9 \(sorted\) '
                                           r"lie in \['Action', 'Affective'\]"):
        bad.split('official-val')


def test_official_salicon_split_is_its_val_folder(tmp_path, monkeypatch):
    monkeypatch.setitem(datasets.OFFICIAL_COUNTS, 'salicon',
                        {'official-train': 8, 'official-val': 4})  # 10000/5000 in truth
    dataset = open_dataset(make_dataset(tmp_path, 'salicon', count=12, placeholders=True))
    val = dataset.split('official-val')
    assert [s.name for s in val] == [f'val/COCO_val2014_{k:012d}' for k in range(4)]
    assert all(s.name.startswith('train/') for s in dataset.split('official-train'))
    assert len(dataset.split('official-train')) == 8


@pytest.mark.parametrize('name, expected', [('mit1003', '1003'), ('cat2000', '2000'),
                                            ('salicon', '5000'), ('pascals', '850')])
def test_official_split_of_another_count_says_the_expected_one(tmp_path, name, expected):
    dataset = open_dataset(make_dataset(tmp_path, name, count=12, placeholders=True))
    with pytest.raises(DatasetError, match=f'needs the {expected} stimuli .*--split all'):
        dataset.split('official-val')
    assert dataset.split('all') == dataset.samples


def test_an_unknown_split_is_refused(tmp_path):
    dataset = open_dataset(make_dataset(tmp_path, 'osie', count=1, placeholders=True))
    with pytest.raises(DatasetError, match='official-train, official-val'):
        dataset.split('test')
