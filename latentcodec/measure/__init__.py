"""Scores of a decoded image against its original, in float64: PSNR, SSIM and MS-SSIM
(`metrics`), SSIMULACRA2 (`ssimulacra2`) and the perceptual set a run asks for (`perceptual`)."""
