"""The data: MNIST's files (mnist, mnist_files, download), the pen data of real writers (unipen, pen_data),
training-time augmentation (augment) and the non-digits taught (outliers)."""
