"""The ``msinet`` command-line tool."""
