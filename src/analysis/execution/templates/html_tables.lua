-- Pandoc filter of analysis.execution.render: HTML tables of notebook outputs (pandas DataFrames),
-- carried through the Markdown as raw HTML blocks, become native pandoc tables so that
-- every writer (HTML and Typst) renders them. Used by both renderers (by Quarto as a
-- "pre-ast" filter, before Quarto parses raw HTML tables itself). Their <style> elements are dropped; columns
-- of figures (every cell starts with a number) are right-aligned, the others left-aligned;
-- a table too wide for the page gets column widths in proportion to its content.
local stringify = pandoc.utils.stringify
local WIDE = 90     -- characters: wider tables get explicit column widths
local LONGEST = 30  -- characters: cap of one column's share
local PADDING = 3   -- characters: a cell's inner margins
local BOLD = 1.15   -- width of a bold header character against a body one
local PAGE = 110    -- characters of table text (8.5 pt) the PDF page holds across
local WORD = 15     -- characters: cap of a body word's claim to a column's minimum

-- A figure with its unit: "12 345", "+1,08 %/an", "−4,6 %", "2 191 €/m²", "128e sur 182".
local function is_number(text)
  for _, sign in ipairs({"\u{2212}", "\u{2013}", "+", "-"}) do
    if text:sub(1, #sign) == sign then text = text:sub(#sign + 1) end
  end
  return text:find("^%s*%d") ~= nil
end

local function body_rows(tbl)
  local rows = {}
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      if #row.cells == #tbl.colspecs then table.insert(rows, row) end
    end
  end
  return rows
end

local function longest_word(text)
  local longest = 0
  for word in text:gmatch("%S+") do longest = math.max(longest, utf8.len(word) or #word) end
  return longest
end

-- Shares of the page width (PAGE characters) in proportion to the columns' lengths, but never
-- narrower than a column's longest word, of its header (bold: BOLD times wider) or of its body
-- (up to WORD characters), and its margins, so that no header word is broken ("Mon-tant (€)")
-- nor a short name ("Lo-rient"): the columns held at that minimum are taken out and the others
-- share what is left, until none is below its minimum.
local function widths_with_minimum(lengths, head_words, body_words)
  local minimum, held = {}, {}
  local needed = 0
  for col = 1, #lengths do
    minimum[col] = math.max(math.ceil(head_words[col] * BOLD), math.min(body_words[col], WORD)) + PADDING
    needed = needed + minimum[col]
  end
  local room = math.max(PAGE, needed)  -- minimums that overfill the page shrink together
  repeat
    local left, flexible, changed = room, 0, false
    for col = 1, #lengths do
      if held[col] then left = left - minimum[col] else flexible = flexible + lengths[col] end
    end
    for col = 1, #lengths do
      if not held[col] and lengths[col] * left / flexible < minimum[col] then held[col], changed = true, true end
    end
  until not changed
  local left, flexible, widths = room, 0, {}
  for col = 1, #lengths do
    if held[col] then left = left - minimum[col] else flexible = flexible + lengths[col] end
  end
  for col = 1, #lengths do
    widths[col] = (held[col] and minimum[col] or lengths[col] * left / flexible) / room
  end
  return widths
end

local function shape(tbl)
  local rows = body_rows(tbl)
  local lengths, words, body_words, total = {}, {}, {}, 0
  for col = 1, #tbl.colspecs do
    local numeric, length = #rows > 0, 1
    body_words[col] = 1
    for _, row in ipairs(rows) do
      local text = stringify(row.cells[col].contents)
      if text ~= "" and not is_number(text) then numeric = false end
      length = math.max(length, utf8.len(text) or #text)
      body_words[col] = math.max(body_words[col], longest_word(text))
    end
    words[col] = 1
    for _, row in ipairs(tbl.head.rows) do
      if #row.cells == #tbl.colspecs then
        words[col] = math.max(words[col], longest_word(stringify(row.cells[col].contents)))
      end
    end
    length = math.max(length, words[col])
    lengths[col] = math.min(length, LONGEST) + PADDING
    total = total + lengths[col]
    tbl.colspecs[col][1] = numeric and pandoc.AlignRight or pandoc.AlignLeft
  end
  if total > WIDE then
    local widths = widths_with_minimum(lengths, words, body_words)
    for col = 1, #tbl.colspecs do tbl.colspecs[col][2] = widths[col] end
  end
  return tbl
end

local function drop_raw_html(blocks)
  return blocks:walk({
    RawInline = function() return {} end,
    RawBlock = function() return {} end,
  }):filter(function(block) return not (block.t == "Plain" and #block.content == 0) end)
end

-- In HTML, a table scrolls sideways inside its own box on a narrow screen (400 px) instead
-- of widening the page; the box is a keyboard-reachable region named by the table's caption
-- (RGAA, axe "scrollable-region-focusable"). The PDF is unchanged.
local function scrollable(tbl)
  if not FORMAT:match("html") then return tbl end
  local caption = stringify(tbl.caption.long)
  local name = caption ~= "" and caption or "Tableau"
  -- attributes as a list of pairs: their order in the page does not change from one render to the next
  return pandoc.Div({ tbl }, pandoc.Attr("", { "tableau-large" }, { { "tabindex", "0" }, { "role", "region" }, { "aria-label", name } }))
end

-- A table marked data-quarto-disable-processing="true" (interactive, sortable) stays raw HTML.
function RawBlock(raw)
  if raw.format == "html" and raw.text:find("<table") and not raw.text:find('data%-quarto%-disable%-processing="true"') then
    return drop_raw_html(pandoc.read(raw.text, "html-native_divs").blocks):walk({ Table = shape }):walk({ Table = scrollable })
  end
end

-- Tables written in Markdown (pipe tables) scroll in their box too.
function Table(tbl)
  return scrollable(tbl)
end
