"""Trade2026 infrastructure: the data sheets (one module per service), the catalog that names the
program's instances, and the targets that render them. Importing this package imports nothing:
`python -m verify` reads a sheet without Pulumi."""
