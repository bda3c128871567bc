"""Synthetic city generator: a population of Kota Tangerang and the noisy files its agencies send.

Pure Python (numpy for speed), no Django: the `generate_city` management command is a thin
wrapper around :func:`generate_city`.
"""

from registry.citygen.generator import CityConfig, CitySummary, generate_city
from registry.citygen.noise import NoiseRates

__all__ = ["CityConfig", "CitySummary", "NoiseRates", "generate_city"]
