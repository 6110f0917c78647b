//! Semantic styles: the UI asks for a meaning (user, assistant, tool, muted…), the theme
//! decides how it looks.

use crate::model::Agent;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone)]
pub struct Theme {
    pub base: Style,
    pub muted: Style,
    pub border: Style,
    pub border_focus: Style,
    pub title: Style,
    pub selected: Style,
    pub header: Style,
    pub user: Style,
    pub assistant: Style,
    pub tool: Style,
    pub tool_result: Style,
    pub error: Style,
    pub thinking: Style,
    pub notice: Style,
    pub status: Style,
    pub status_key: Style,
    pub banner: Style,
    pub accent: Style,
    /// Matched characters and search hits.
    pub match_hl: Style,
    /// Project group headers in the list.
    pub group: Style,
}

impl Theme {
    pub fn dark() -> Theme {
        Theme {
            base: Style::default(),
            muted: Style::default().fg(Color::DarkGray),
            border: Style::default().fg(Color::DarkGray),
            border_focus: Style::default().fg(Color::Cyan),
            title: Style::default().add_modifier(Modifier::BOLD),
            selected: Style::default()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD),
            header: Style::default()
                .fg(Color::Gray)
                .add_modifier(Modifier::BOLD),
            user: Style::default()
                .fg(Color::Green)
                .add_modifier(Modifier::BOLD),
            assistant: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            tool: Style::default().fg(Color::Yellow),
            tool_result: Style::default().fg(Color::Gray),
            error: Style::default().fg(Color::Red),
            thinking: Style::default()
                .fg(Color::Magenta)
                .add_modifier(Modifier::ITALIC),
            notice: Style::default().fg(Color::Blue),
            status: Style::default().fg(Color::Gray),
            status_key: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            banner: Style::default().fg(Color::Black).bg(Color::Yellow),
            accent: Style::default().fg(Color::Cyan),
            match_hl: Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            group: Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
        }
    }

    pub fn agent(&self, agent: Agent) -> Style {
        let c = match agent {
            Agent::Claude => Color::Rgb(217, 119, 87),
            Agent::Codex => Color::Rgb(120, 180, 255),
            Agent::Gemini => Color::Rgb(140, 140, 255),
            Agent::Opencode => Color::Rgb(250, 200, 80),
            Agent::Pi => Color::Rgb(120, 220, 160),
            Agent::Agsh => Color::Rgb(200, 160, 240),
            Agent::Agenix => Color::Rgb(240, 140, 190),
            Agent::Profclaw => Color::Rgb(180, 200, 120),
        };
        Style::default().fg(c)
    }
}
