"""Pasture (客户牧场): client operations for insurance agents."""
