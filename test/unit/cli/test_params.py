"""``msinet params``: the node parameter tables it prints."""

from msinet_ros.cli.main import main


def test_params_prints_markdown_tables(capsys):
    assert main(['params', 'image_player']) == 0
    assert '| `rate` | double |' in capsys.readouterr().out
