package output

// Records are several records that are not sessions (profiles), as each
// format shows them.
type Records struct {
	// Data is what json and yaml print, by its tags: the list.
	Data any
	// IDs are the lines of -o id, one per record.
	IDs []string
	// Header and Rows are the table, a row per record.
	Header []string
	Rows   [][]string
}

// Record is one record that is not a session (a profile), as each format
// shows it.
type Record struct {
	// Data is what json and yaml print, by its tags.
	Data any
	// ID is the line of -o id.
	ID string
	// Fields are the table: "key: value" lines, in order.
	Fields []Field
}

// Field is a line of a record's table.
type Field struct{ Key, Value string }

// Records prints several records in the printer's format.
func (p *Printer) Records(r Records) error { return p.recordFormat().records(p, r) }

// Record prints one record in the printer's format.
func (p *Printer) Record(r Record) error { return p.recordFormat().record(p, r) }

// recordFormat is the printer's format for records; a format that has
// none (no command lets one through) prints a table.
func (p *Printer) recordFormat() recordFormat {
	if f, ok := p.format().(recordFormat); ok {
		return f
	}
	return tableFormat{}
}
