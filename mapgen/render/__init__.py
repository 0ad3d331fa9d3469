"""Outputs: interactive pages (folium/Leaflet) and static figures (matplotlib)."""
