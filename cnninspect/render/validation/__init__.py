"""A Validation in every format: text, JSON, HTML, and the CI formats (GitHub, SARIF, JUnit)."""
