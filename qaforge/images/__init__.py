"""Image series: view routing, slice selection, windowing, rendering."""
