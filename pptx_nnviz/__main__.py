"""`python -m pptx_nnviz` runs the command line."""

from .cli import main

main()
