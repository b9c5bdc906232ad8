"""What the network reads: a drawing's strokes (strokes), any picture (preprocess, image_files), and several
digits in one drawing (segment), all turned into the 28x28 input."""
