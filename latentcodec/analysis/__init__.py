"""Numbers from the results table: DataFrames in, DataFrames out. Operating points, bootstrap
intervals, BD-rates, equal-size pairs, entropy bounds, bit depths, channels, the latent-space
and lead tables, and the published measurements beside them."""
