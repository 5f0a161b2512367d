"""Catalog system (目录体系): agency catalogs and their filing, the base-information catalog, the
shared catalog with versions and government approval, search, import and export."""
