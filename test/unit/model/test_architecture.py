"""The architecture description: the paper's parameter count, sizes, work."""

from msinet_ros.errors import InputSizeError
from msinet_ros.model import architecture
import pytest


def test_parameter_count_is_the_papers():
    assert architecture.parameter_count() == 24_934_209 == architecture.PARAMETER_COUNT


def test_layers_are_the_published_ones():
    convs = {conv.name: conv for conv in architecture.CONVS}
    assert len(convs) == 23
    assert architecture.CHANNELS['encoder'] == 1280  # pool3 + pool4 + pool5
    assert [convs[f'aspp/conv1_{i}'].dilation for i in (2, 3, 4)] == [4, 8, 12]
    assert all(convs[f'conv5/conv5_{i}'].dilation == 2 for i in (1, 2, 3))
    assert [convs[f'decoder/conv{i}'].out_channels for i in (1, 2, 3, 4)] == [128, 64, 32, 1]
    assert [c.name for c in architecture.CONVS if c.after_global_mean] == ['aspp/conv1_5']
    last = [op for op in architecture.OPS if op.kind == 'conv'][-1]
    assert last.name == 'decoder/conv4' and not last.relu


def test_feature_sizes_follow_the_three_stride_2_pools():
    sizes = architecture.feature_sizes(240, 320)
    assert sizes['encoder'] == (30, 40)
    assert sizes['aspp/context'] == (30, 40)
    assert sizes['output'] == (240, 320)


def test_multiply_adds_at_official_sizes():
    # conv1_1 alone at 240x320: 240*320 pixels * 3*3*3*64
    assert architecture.multiply_adds(240, 320) == 45_532_282_880
    assert architecture.multiply_adds(360, 360) == 76_835_502_080


@pytest.mark.parametrize('size', ['241x320', '240x0', '0x8', '240', 'axb', '-8x8'])
def test_unusable_sizes_are_refused_with_the_rule(size):
    with pytest.raises(InputSizeError, match='multiples of 8|form HxW'):
        architecture.parse_size(size)


def test_official_sizes_parse():
    assert architecture.parse_size('216x384') == (216, 384)
