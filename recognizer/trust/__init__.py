"""Answers you can trust: the verdict (digit, unsure, not a digit) and calibrated confidence (temperature)."""
