"""Map sources: quantisation like the official test path, and folders of precomputed maps."""

import cv2
from msinet_ros.errors import ImageError
from msinet_ros.evaluation.maps import FolderMaps, quantise
import numpy as np
import pytest


def test_8_bit_quantisation_rounds_to_the_levels_the_official_path_writes():
    values = np.linspace(0, 1, 1001).reshape(7, 143)
    eight = quantise(values, '8')
    assert np.array_equal(eight * 255, np.round(values * 255))  # tf.round(map * 255), uint8
    assert np.abs(eight - values).max() <= 0.5 / 255 + 1e-12


def test_float_depth_keeps_the_values_and_clips_to_0_1():
    values = np.array([[-0.5, 0.25], [0.123456, 2.0]])
    assert np.array_equal(quantise(values, 'float'), [[0.0, 0.25], [0.123456, 1.0]])


def test_a_folder_map_is_found_by_stem_or_predict_s_name_and_read_at_its_depth(tmp_path):
    cv2.imwrite(str(tmp_path / 'a.png'), np.full((3, 4), 51, np.uint8))
    cv2.imwrite(str(tmp_path / 'b_saliency.png'), np.full((3, 4), 65535, np.uint16))
    maps = FolderMaps(tmp_path)
    assert np.allclose(maps('a', None), 0.2)
    assert np.allclose(maps('b', None), 1.0)


def test_maps_in_category_folders_are_found_by_the_category_and_stem(tmp_path):
    (tmp_path / 'Action').mkdir()
    cv2.imwrite(str(tmp_path / 'Action' / '001.png'), np.full((3, 4), 255, np.uint8))
    assert np.allclose(FolderMaps(tmp_path)('Action/001', None), 1.0)


def test_a_missing_map_names_the_stimulus_and_what_was_looked_for(tmp_path):
    with pytest.raises(ImageError, match=r'no map for c \(looked for c.png, c_saliency.png'):
        FolderMaps(tmp_path)('c', None)


def test_an_unreadable_map_is_an_error_not_a_blank_map(tmp_path):
    (tmp_path / 'd.png').write_bytes(b'not a png')
    with pytest.raises(ImageError, match='not a readable image'):
        FolderMaps(tmp_path)('d', None)


def test_a_missing_map_folder_is_an_error(tmp_path):
    with pytest.raises(ImageError, match='does not exist'):
        FolderMaps(tmp_path / 'nowhere')
