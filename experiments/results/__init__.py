"""The results files of a study: their schema, reading and atomic writing, and the one
pivot of runs into a grid. Plain Python and numpy, the bottom layer of `experiments`."""
