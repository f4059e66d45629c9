"""Pictures of a Report: the lecture's feature-map volumes and the block diagram, as SVG, PNG
and a self-contained HTML page."""
