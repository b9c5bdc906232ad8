"""The Evaluate tab (tab.py): the model on the MNIST test set, one page per file, over a Qt-free
state (state.py) that holds the results and every caption."""
