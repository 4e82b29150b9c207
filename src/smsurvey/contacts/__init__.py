"""Directories, contacts, mailing lists, transactions and the CSV importer."""
