package output

import (
	"io"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// writeRows writes lines of cells as tableOptions and writeTable lay a
// table out: each cell left-aligned and padded to the widest cell of its
// column among these lines, the columns two spaces apart, and no spaces
// at the end of a line. It is what tablewriter renders with those
// options, byte for byte (a test compares the two), without the cost
// tablewriter has per cell: a list of 100,000 sessions is 600,000 cells,
// and this writes them in a fraction of the time. Cells are measured
// once each, with tablewriter's own measure wherever a cell is not plain
// ASCII (wide characters, colour codes).
func writeRows(w io.Writer, lines [][]string) error {
	if len(lines) == 0 {
		return nil
	}
	cols := len(lines[0])
	widths := make([]int, cols)
	cellWidths := make([]int, 0, len(lines)*cols)
	size := 0
	for _, l := range lines {
		for i, c := range l {
			cw := cellWidth(c)
			cellWidths = append(cellWidths, cw)
			widths[i] = max(widths[i], cw)
			size += len(c)
		}
	}
	for _, cw := range widths {
		size += len(lines) * (cw + len(columnGap))
	}
	buf := make([]byte, 0, size)
	k := 0
	for _, l := range lines {
		start := len(buf)
		for i, c := range l {
			buf = append(buf, c...)
			for n := widths[i] - cellWidths[k] + len(columnGap); n > 0; n-- {
				buf = append(buf, ' ')
			}
			k++
		}
		end := len(buf)
		for end > start && buf[end-1] == ' ' {
			end--
		}
		buf = append(buf[:end], '\n')
	}
	_, err := w.Write(buf)
	return err
}

// columnGap is what separates two columns (tableOptions' right padding).
const columnGap = "  "

// cellWidth is the width of c in terminal cells, as tablewriter measures
// it: printable ASCII is one cell a byte; anything else (wide characters,
// colour codes) is left to tablewriter's measure, which reads the locale.
func cellWidth(c string) int {
	for i := 0; i < len(c); i++ {
		if b := c[i]; b >= utf8.RuneSelf || b < ' ' || b == 0x7f {
			return twwidth.Width(c)
		}
	}
	return len(c)
}
