#!/bin/sh
# Linux: add desktop-rag to the application menu, and desktop-rag-cli to ~/.local/bin.
# Run it from the unpacked app folder (it is copied there by the build):
#   ./install-desktop-entry.sh            install for this user
#   ./install-desktop-entry.sh --remove   take it out again (the app folder itself is left alone)
set -eu

APP_DIR=$(cd "$(dirname "$0")" && pwd)
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
ENTRY="$DATA_HOME/applications/desktop-rag.desktop"
ICON="$DATA_HOME/icons/hicolor/512x512/apps/desktop-rag.png"
BIN_LINK="$HOME/.local/bin/desktop-rag-cli"

if [ "${1:-}" = "--remove" ]; then
    rm -f "$ENTRY" "$ICON"
    [ -L "$BIN_LINK" ] && rm -f "$BIN_LINK"
    echo "removed the menu entry, icon and $BIN_LINK"
    exit 0
fi

[ -x "$APP_DIR/desktop-rag" ] || { echo "run this from the desktop-rag folder" >&2; exit 1; }
mkdir -p "$(dirname "$ENTRY")" "$(dirname "$ICON")" "$(dirname "$BIN_LINK")"
cp "$APP_DIR/desktop-rag.png" "$ICON"
# The template's Exec=desktop-rag becomes the absolute path of this copy (quoted: it may hold spaces).
sed -e "s|^Exec=.*|Exec=\"$APP_DIR/desktop-rag\"|" "$APP_DIR/desktop-rag.desktop" > "$ENTRY"
chmod 644 "$ENTRY"
ln -sf "$APP_DIR/desktop-rag-cli" "$BIN_LINK"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$(dirname "$ENTRY")" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$DATA_HOME/icons/hicolor" 2>/dev/null || true
echo "installed: $ENTRY (menu: desktop-rag), $BIN_LINK"
