"""The op table's records, one module per op family; :mod:`gradspec.ops.table` imports them
in a fixed order and builds the table."""
