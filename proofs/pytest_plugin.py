"""pytest plugin (entry point ``pytest11``): fixtures and Hypothesis strategies for users' suites.

Kept tiny so pytest loads it cheaply: nothing heavy is imported at module import time.
"""
