"""The paper's Table 6 and the ±3σ band a released model is compared with."""

from msinet_ros.evaluation.paper import TABLE6, within


def test_table6_holds_the_paper_s_aspp_rows():
    assert TABLE6['mit1003']['AUC-Judd'] == (0.899, 0.001)
    assert TABLE6['cat2000']['KLD'] == (0.430, 0.010)
    assert TABLE6['osie']['NSS'] == (3.010, 0.010)
    assert set(TABLE6) == {'mit1003', 'cat2000', 'dutomron', 'pascals', 'osie'}


def test_within_three_sigma_and_a_printed_zero_sigma_taken_as_half_a_unit_of_the_last_digit():
    assert within('mit1003', 'NSS', 2.663 + 3 * 0.012 - 1e-9)
    assert not within('mit1003', 'NSS', 2.663 + 3 * 0.012 + 1e-6)
    assert within('cat2000', 'AUC-Judd', 0.882 + 0.0015 - 1e-9)  # sigma printed 0.000
    assert not within('cat2000', 'AUC-Judd', 0.882 + 0.0016)


def test_measures_and_datasets_not_in_table6_have_no_verdict():
    assert within('mit1003', 'IG', 1.0) is None
    assert within('salicon', 'CC', 0.9) is None
