"""Test plugin phenomena, loaded per test with `@pytest.mark.plugins(QUADRATIC)` (tests/conftest.py)."""
QUADRATIC = "tests.plugins.quadratic"
