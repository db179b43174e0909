#!/bin/sh
# Add DEBC Outreach to this user's application menu (no administrator rights needed).
# Run it from the unpacked folder: ./install-desktop-entry.sh   (--remove to undo)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
if [ "${1:-}" = "--remove" ]; then
    rm -f "$apps/debc-outreach.desktop" "$icons/debc-outreach.png"
    echo "DEBC Outreach removed from the application menu."
    exit 0
fi
mkdir -p "$apps" "$icons"
cp "$here/debc-outreach.png" "$icons/debc-outreach.png"
sed -e "s|^Exec=.*|Exec=\"$here/debc-outreach\"|" \
    -e "s|^Icon=.*|Icon=$icons/debc-outreach.png|" \
    "$here/debc-outreach.desktop" > "$apps/debc-outreach.desktop"
chmod +x "$apps/debc-outreach.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
echo "DEBC Outreach added to the application menu ($apps/debc-outreach.desktop)."
