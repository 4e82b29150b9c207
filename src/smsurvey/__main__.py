"""``python -m smsurvey``: the command line, as the ``smsurvey`` script runs it."""

from smsurvey.cli import main

main()
