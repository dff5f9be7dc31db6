/*
 * commands_table.h - THE list of workbench commands (tig's REQ_ list).
 *
 * One line per command: C(ID, "name", group, key1, key2, key3, "help").
 * From this list come the command enum (CMD_ID), the key map (up to three
 * keys, 0 for none), the names typed at the ':' command line, and the
 * help screen, so none of them can drift from the others.
 *
 * Keys: a character ('j', CTRL('f')), or FK(KEY_x) for a curses function
 * key. Groups are printed as headings on the help screen, in this order.
 * Include only from tui/command.c and tui/command.h.
 */

#define TUI_GROUP_MOVE    "Moving around"
#define TUI_GROUP_SEARCH  "Searching"
#define TUI_GROUP_VIEW    "Screens"
#define TUI_GROUP_WORK    "Review"
#define TUI_GROUP_SUBSET  "Subset and run"
#define TUI_GROUP_GENERAL "General"

#define TUI_COMMANDS(C) \
	C(UP,          "up",          TUI_GROUP_MOVE, 'k', FK(KEY_UP), 0, "Move the cursor up") \
	C(DOWN,        "down",        TUI_GROUP_MOVE, 'j', FK(KEY_DOWN), 0, "Move the cursor down") \
	C(PAGE_UP,     "page-up",     TUI_GROUP_MOVE, FK(KEY_PPAGE), CTRL('b'), 0, "Move one page up") \
	C(PAGE_DOWN,   "page-down",   TUI_GROUP_MOVE, FK(KEY_NPAGE), CTRL('f'), 0, "Move one page down") \
	C(FIRST,       "first",       TUI_GROUP_MOVE, 'g', FK(KEY_HOME), 0, "Go to the first line") \
	C(LAST,        "last",        TUI_GROUP_MOVE, 'G', FK(KEY_END), 0, "Go to the last line") \
	C(LEFT,        "left",        TUI_GROUP_MOVE, 'h', FK(KEY_LEFT), 0, "Collapse, or go to the pane on the left") \
	C(RIGHT,       "right",       TUI_GROUP_MOVE, 'l', FK(KEY_RIGHT), 0, "Expand, or go to the pane on the right") \
	C(ENTER,       "enter",       TUI_GROUP_MOVE, '\r', '\n', FK(KEY_ENTER), "Open the selected line") \
	C(BACK,        "back",        TUI_GROUP_MOVE, 'q', 27, 0, "Go back; on the first screen, quit") \
	C(NEXT_PANE,   "next-pane",   TUI_GROUP_MOVE, '\t', 0, 0, "Move to the next pane") \
	C(PREV_PANE,   "prev-pane",   TUI_GROUP_MOVE, FK(KEY_BTAB), 0, 0, "Move to the previous pane") \
	C(SEARCH,      "search",      TUI_GROUP_SEARCH, '/', 0, 0, "Search the focused pane (:search TEXT)") \
	C(SEARCH_NEXT, "search-next", TUI_GROUP_SEARCH, 'n', 0, 0, "Go to the next match") \
	C(SEARCH_PREV, "search-prev", TUI_GROUP_SEARCH, 'N', 0, 0, "Go to the previous match") \
	C(HELP,        "help",        TUI_GROUP_VIEW, '?', FK(KEY_F(1)), 0, "Show this help") \
	C(CATALOG,     "catalog",     TUI_GROUP_VIEW, 'c', 0, 0, "Browse schemas, tables and columns") \
	C(CONNECT,     "open",        TUI_GROUP_VIEW, 'o', 0, 0, "Open a source (:open ADDRESS)") \
	C(FINDINGS,    "findings",    TUI_GROUP_VIEW, 'f', 0, 0, "List the scanner's findings") \
	C(COLUMN,      "column",      TUI_GROUP_VIEW, 'e', 0, 0, "Detail and rule of the selected column (:column T.C)") \
	C(PREVIEW,     "preview",     TUI_GROUP_VIEW, 'v', 0, 0, "Original beside masked rows of a table (:preview T)") \
	C(SIGNOFF,     "signoff",     TUI_GROUP_VIEW, 'S', 0, 0, "Sign-off: who reviewed, what is open") \
	C(SUBSET,      "subset",      TUI_GROUP_VIEW, 'u', 0, 0, "Subset settings and the plan") \
	C(RUN,         "run",         TUI_GROUP_VIEW, 'R', 0, 0, "Run the job into a target (:run TARGET)") \
	C(SCAN,        "scan",        TUI_GROUP_WORK, 's', 0, 0, "Scan the source for personal data") \
	C(APPROVE,     "approve",     TUI_GROUP_WORK, 'a', 0, 0, "Approve the selected column's rule (:approve NOTE)") \
	C(REJECT,      "reject",      TUI_GROUP_WORK, 'x', 0, 0, "Reject: not sensitive, keep as is (:reject NOTE)") \
	C(NOTE,        "note",        TUI_GROUP_WORK, 'm', 0, 0, "Note on the selected column (:note TEXT)") \
	C(APPROVE_TABLE, "approve-table", TUI_GROUP_WORK, 'A', 0, 0, "Approve every open column of the selected table") \
	C(MARK,        "mark",        TUI_GROUP_WORK, ' ', 0, 0, "Mark or unmark the selected column for a bulk action") \
	C(MARK_ALL,    "mark-all",    TUI_GROUP_WORK, '*', 0, 0, "Mark every listed column; again: unmark all") \
	C(APPROVE_ALL, "approve-all", TUI_GROUP_WORK, 0, 0, 0, "Approve every open column (:approve-all NOTE)") \
	C(ACTION,      "action",      TUI_GROUP_WORK, 0, 0, 0, "Set the action (:action NAME [KEY=VALUE]...)") \
	C(SORT,        "sort",        TUI_GROUP_WORK, 'O', 0, 0, "Next sort order (:sort confidence|category|table)") \
	C(FILTER,      "filter",      TUI_GROUP_WORK, 'F', 0, 0, "Next filter (:filter all|unreviewed|high|changed)") \
	C(REPORT,      "report",      TUI_GROUP_WORK, 'W', 0, 0, "Write the sign-off report (:report FILE)") \
	C(ROOT,        "root",        TUI_GROUP_SUBSET, 'r', 0, 0, "Toggle a root table (:root TABLE [WHERE])") \
	C(WHERE,       "where",       TUI_GROUP_SUBSET, 'w', 0, 0, "Condition of the selected root (:where SQL)") \
	C(CHILDREN,    "children",    TUI_GROUP_SUBSET, 'C', 0, 0, "Follow children into a table (:children all|T,...)") \
	C(KEEP_ALL,    "keep-all",    TUI_GROUP_SUBSET, 'K', 0, 0, "Toggle copying a table whole") \
	C(TRUNCATE,    "truncate",    TUI_GROUP_SUBSET, 'X', 0, 0, "Toggle copying a table empty") \
	C(WINDOW,      "window",      TUI_GROUP_SUBSET, 't', 0, 0, "Time window (:window T.COLUMN 7d, :window T off)") \
	C(VFK,         "vfk",         TUI_GROUP_SUBSET, 'V', 0, 0, "Virtual foreign key (:vfk T(COLS) -> T2(COLS), :vfk N off)") \
	C(PLAN,        "plan",        TUI_GROUP_SUBSET, 'p', 0, 0, "Plan the subset: exact rows per table") \
	C(PROMPT,      "command",     TUI_GROUP_GENERAL, ':', 0, 0, "Type a command by its name") \
	C(REDRAW,      "redraw",      TUI_GROUP_GENERAL, CTRL('l'), 0, 0, "Redraw the whole screen") \
	C(THEME,       "theme",       TUI_GROUP_GENERAL, 'T', 0, 0, "Next colour theme (:theme dark|light|mono)") \
	C(QUIT,        "quit",        TUI_GROUP_GENERAL, 'Q', 0, 0, "Quit maskbench")
