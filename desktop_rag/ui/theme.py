"""The look of the window, in one place: light and dark palettes, the stylesheet, fonts with Hangul.

``apply_theme(app, "auto" | "light" | "dark")`` sets the Fusion style, a palette and the stylesheet;
"auto" follows the system's colour scheme (Qt 6.5+ ``styleHints().colorScheme()``). Widgets pick
their role in the stylesheet through object names and the ``role`` dynamic property (``turn``,
``question``, ``source-card``, ``composer``, ``muted``, ``note``, ``empty-state``, ``header``), so
that no widget hard-codes a colour that would be wrong in the other theme; :func:`colors` gives the
few colours that go into HTML (highlights, links in source cards).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

#: Families tried, in order, for text the UI font lacks (Hangul, above all).
HANGUL_FONTS = ("Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic", "Apple SD Gothic Neo", "NanumGothic", "Source Han Sans KR")
UI_FONTS = ("Inter", "Segoe UI", "SF Pro Text", "Cantarell", "Noto Sans", "DejaVu Sans")


@dataclass(frozen=True)
class Colors:
    """One theme's colours."""

    name: str
    window: str
    surface: str  # cards, the composer, the viewer header
    surface_alt: str  # the question bubble, hover
    border: str
    text: str
    muted: str
    accent: str
    accent_text: str
    highlight: str  # query words in passages
    highlight_text: str
    note_bg: str
    note_text: str
    code_bg: str


LIGHT = Colors("light", "#f6f7f9", "#ffffff", "#eef2ff", "#dde1e6", "#1f2328", "#656d76", "#3b5bdb", "#ffffff",
               "#ffe58a", "#1f2328", "#fff3cd", "#664d03", "#f1f3f5")
DARK = Colors("dark", "#1b1d21", "#25282d", "#2f3540", "#3a3f47", "#e6e8eb", "#9aa1ab", "#7b93ff", "#0d0f12",
              "#806a1a", "#fff8dc", "#3d3414", "#f5d98b", "#2d3036")

_current: Colors = LIGHT


def colors() -> Colors:
    """The colours of the theme in use."""
    return _current


def system_prefers_dark() -> bool:
    """Whether the desktop asks for a dark scheme (False when Qt cannot tell)."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def resolve(mode: str) -> Colors:
    """The colours for a ``ui_theme`` setting value."""
    if mode == "dark":
        return DARK
    if mode == "light":
        return LIGHT
    return DARK if system_prefers_dark() else LIGHT


def palette(c: Colors) -> QPalette:
    """A Fusion palette in the theme's colours (used where the stylesheet does not reach)."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.window, QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.surface, QPalette.ColorRole.AlternateBase: c.surface_alt,
        QPalette.ColorRole.Text: c.text, QPalette.ColorRole.Button: c.surface, QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.ToolTipBase: c.surface, QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.Highlight: c.accent, QPalette.ColorRole.HighlightedText: c.accent_text,
        QPalette.ColorRole.Link: c.accent, QPalette.ColorRole.PlaceholderText: c.muted,
        QPalette.ColorRole.Mid: c.border, QPalette.ColorRole.Midlight: c.border,
    }
    for role, value in roles.items():
        p.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.muted))
    return p


def stylesheet(c: Colors) -> str:
    """The application stylesheet for one theme."""
    return f"""
QMainWindow, QDialog {{ background: {c.window}; }}
QWidget {{ color: {c.text}; }}
QToolTip {{ background: {c.surface}; color: {c.text}; border: 1px solid {c.border}; padding: 4px; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ background: transparent; color: {c.muted}; padding: 8px 14px; border: none;
    border-bottom: 2px solid transparent; }}
QTabBar::tab:selected {{ color: {c.text}; border-bottom: 2px solid {c.accent}; font-weight: 600; }}
QTabBar::tab:focus {{ color: {c.accent}; }}
QListWidget, QTreeWidget, QTableWidget, QTreeView {{ background: {c.surface}; border: 1px solid {c.border};
    border-radius: 8px; padding: 4px; outline: none; }}
QListWidget::item {{ padding: 6px 8px; border-radius: 6px; }}
QListWidget::item:selected, QTreeWidget::item:selected {{ background: {c.surface_alt}; color: {c.text}; }}
QPushButton, QToolButton {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 6px;
    padding: 5px 12px; }}
QToolButton {{ padding: 4px 8px; }}
QPushButton:hover, QToolButton:hover {{ background: {c.surface_alt}; }}
QPushButton:focus, QToolButton:focus, QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus,
QCheckBox:focus, QLineEdit:focus, QListWidget:focus, QTreeWidget:focus {{ border: 2px solid {c.accent}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {c.muted}; }}
QPushButton:flat {{ border: none; background: transparent; color: {c.muted}; padding: 3px 8px; }}
QPushButton:flat:hover {{ color: {c.text}; background: {c.surface_alt}; }}
QPushButton#send-button {{ background: {c.accent}; color: {c.accent_text}; border: none; border-radius: 18px;
    min-width: 36px; min-height: 36px; padding: 0 16px; font-weight: 600; }}
QPushButton#send-button:focus {{ border: 2px solid {c.text}; }}
QPushButton#send-button:disabled {{ background: {c.border}; }}
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox {{ background: {c.surface}; border: 1px solid {c.border};
    border-radius: 6px; padding: 4px 6px; }}
QScrollArea {{ border: none; background: transparent; }}
QWidget#transcript {{ background: {c.window}; }}
QFrame[role="turn"] {{ background: transparent; border: none; }}
QLabel[role="question"] {{ background: {c.surface_alt}; border-radius: 14px; padding: 10px 14px; }}
QTextBrowser[role="answer"] {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 12px;
    padding: 6px 8px; }}
QFrame[role="source-card"] {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 8px; }}
QFrame[role="source-card"]:hover, QFrame[role="source-card"]:focus {{ border: 1px solid {c.accent}; }}
QLabel[role="muted"] {{ color: {c.muted}; }}
QLabel[role="note"] {{ background: {c.note_bg}; color: {c.note_text}; border-radius: 6px; padding: 6px 8px; }}
QFrame#composer {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 14px; }}
QFrame#composer QPlainTextEdit {{ background: transparent; border: none; }}
QWidget#empty-state {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 14px; }}
QLabel[role="title"] {{ font-size: 17px; font-weight: 600; }}
QFrame[role="header"] {{ background: {c.surface}; border: none; border-bottom: 1px solid {c.border}; }}
QDockWidget::title {{ background: {c.window}; padding: 6px; }}
QStatusBar {{ background: {c.surface}; border-top: 1px solid {c.border}; }}
QProgressBar {{ background: {c.surface_alt}; border: none; border-radius: 4px; height: 8px; text-align: center; }}
QProgressBar::chunk {{ background: {c.accent}; border-radius: 4px; }}
QSplitter::handle {{ background: {c.border}; }}
QMenuBar {{ background: {c.window}; }}
QMenu {{ background: {c.surface}; border: 1px solid {c.border}; padding: 4px; }}
QMenu::item {{ padding: 5px 18px; border-radius: 4px; }}
QMenu::item:selected {{ background: {c.surface_alt}; color: {c.text}; }}
"""


def ui_font(base: QFont) -> QFont:
    """The UI font with Hangul fallbacks, so Korean never falls back to boxes or a bitmap font."""
    font = QFont(base)
    font.setFamilies([base.family(), *UI_FONTS, *HANGUL_FONTS])
    return font


def apply_theme(app: QApplication, mode: str = "auto") -> Colors:
    """Style the whole application; returns the colours chosen."""
    global _current
    _current = resolve(mode)
    app.setStyle("Fusion")  # the same widgets on every desktop; the stylesheet sits on top
    app.setPalette(palette(_current))
    app.setFont(ui_font(app.font()))
    app.setStyleSheet(stylesheet(_current))
    app.setProperty("desktop_rag_theme", _current.name)
    app.setProperty("desktop_rag_theme_mode", mode)
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged") and not app.property("desktop_rag_follows_scheme"):
        # The desktop switched between light and dark: follow it when the setting says "auto".
        hints.colorSchemeChanged.connect(
            lambda _scheme: app.property("desktop_rag_theme_mode") == "auto" and apply_theme(app, "auto")
        )
        app.setProperty("desktop_rag_follows_scheme", True)
    return _current
