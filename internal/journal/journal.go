// Package journal is an append-only file of records that survives a crash:
// each record is one line with its own checksum, appends are made durable
// (fsync) in groups, and a file cut short by a killed process is read back
// whole up to its last complete record.
package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// A line is the record's CRC-32 (Castagnoli) in 8 hex digits, a space, the
// record, and a newline. A record holds no newline.
//
// The table is made on first use: every command links this package, and
// only a batch writes or reads a journal.
var table = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// Writer appends records to a journal file. It is safe for concurrent use.
//
// Appends wait for no disk unless asked: a record that must be on disk
// before the caller goes on (Durable) waits for one fsync, and every record
// appended meanwhile, by any goroutine, rides on the same one. With many
// workers, one fsync covers many records, which is what keeps the cost of
// durability small.
type Writer struct {
	f *os.File

	mu      sync.Mutex
	cond    *sync.Cond
	buf     []byte
	queued  uint64 // records appended
	synced  uint64 // records on disk
	syncing bool
	// marked is the last record handed a mark (AppendMark), early is
	// set while a sync started for marked records runs in the background.
	marked uint64
	early  bool
	err    error // the first write or sync failure; every later call fails
}

// Create makes a new journal at path (replacing any), its first record
// header, on disk before it returns: the directory entry included.
func Create(path string, header []byte) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	w := newWriter(f)
	if err := w.Append(header, true); err != nil {
		f.Close()
		return nil, err
	}
	syncDir(filepath.Dir(path))
	return w, nil
}

// Open reads the journal at path: its header, the records after it (each
// passed to fn, in order), and returns a Writer that appends after the
// last complete record. A torn or damaged tail (a process killed in the
// middle of a write) is cut off. A file whose first line is not a
// complete record is an error: it is not a journal.
func Open(path string, header func([]byte) error, fn func(rec []byte) error) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	good, err := read(f, header, fn)
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return newWriter(f), nil
}

// ErrNotJournal: the file does not start with a complete record.
var ErrNotJournal = errors.New("not a batch journal")

// Read passes every complete record of the journal at path to fn, without
// opening it for writing.
func Read(path string, header func([]byte) error, fn func(rec []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = read(f, header, fn)
	return err
}

// read returns the offset after the last complete record.
// header is called with the first record before fn sees any other: it
// may refuse the file.
func read(f *os.File, header func([]byte) error, fn func(rec []byte) error) (int64, error) {
	r := bufio.NewReaderSize(f, 64<<10)
	var good int64
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A record longer than the buffer: gather it.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			// io.EOF with a partial line: the torn tail.
			break
		}
		rec, ok := decode(line)
		if !ok {
			break
		}
		if good == 0 {
			if err := header(rec); err != nil {
				return 0, err
			}
		} else if err := fn(rec); err != nil {
			return 0, err
		}
		good += int64(len(line))
	}
	if good == 0 {
		return 0, ErrNotJournal
	}
	return good, nil
}

func decode(line []byte) ([]byte, bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	if len(line) < 9 || line[8] != ' ' {
		return nil, false
	}
	sum, err := strconv.ParseUint(string(line[:8]), 16, 32)
	if err != nil {
		return nil, false
	}
	rec := line[9:]
	return rec, crc32.Checksum(rec, table()) == uint32(sum)
}

func newWriter(f *os.File) *Writer {
	w := &Writer{f: f}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// Append adds one record. With durable, it returns once the record (and
// every one before it) is on disk; else it is written with the next
// durable append, Sync or Close.
func (w *Writer) Append(rec []byte, durable bool) error {
	if bytes.IndexByte(rec, '\n') >= 0 {
		return errors.New("journal: a record holds a newline")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	w.addLocked(rec)
	if !durable {
		return nil
	}
	return w.syncLocked(w.queued)
}

// AppendMark adds one record without waiting for the disk, and returns
// its mark: Await(mark) returns once it is on disk. Records written ahead
// of need this way are usually on disk, carried by the fsync of another,
// by the time they are waited for.
func (w *Writer) AppendMark(rec []byte) (uint64, error) {
	if bytes.IndexByte(rec, '\n') >= 0 {
		return 0, errors.New("journal: a record holds a newline")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	w.addLocked(rec)
	w.marked = w.queued
	if !w.early {
		// Put it on disk now, in the background, rather than when it is
		// awaited: the worker that needs it then rarely waits for the
		// disk itself. Await still returns only once it is there.
		w.early = true
		go w.syncMarked()
	}
	return w.queued, nil
}

// syncMarked syncs until every record handed a mark is on disk; records
// marked meanwhile ride on the next fsync of the same goroutine.
func (w *Writer) syncMarked() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.err == nil && w.synced < w.marked {
		_ = w.syncLocked(w.marked)
	}
	w.early = false
}

// Await returns once the record of mark (and every one before it) is on
// disk.
func (w *Writer) Await(mark uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.synced >= mark {
		return nil
	}
	if w.err != nil {
		return w.err
	}
	return w.syncLocked(mark)
}

func (w *Writer) addLocked(rec []byte) {
	w.buf = fmt.Appendf(w.buf, "%08x ", crc32.Checksum(rec, table()))
	w.buf = append(w.buf, rec...)
	w.buf = append(w.buf, '\n')
	w.queued++
}

// Sync puts every record appended so far on disk.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	return w.syncLocked(w.queued)
}

// syncLocked waits until record seq is on disk. One caller at a time
// writes and syncs what has gathered; the others wait for it, and one of
// them takes the next group.
func (w *Writer) syncLocked(seq uint64) error {
	for w.synced < seq && w.err == nil {
		if w.syncing {
			w.cond.Wait()
			continue
		}
		w.syncing = true
		buf, upto := w.buf, w.queued
		w.buf = nil
		w.mu.Unlock()
		_, err := w.f.Write(buf)
		if err == nil {
			err = w.f.Sync()
		}
		w.mu.Lock()
		w.syncing = false
		if err != nil {
			w.err = fmt.Errorf("writing the batch journal %s: %w", w.f.Name(), err)
		} else {
			w.synced = upto
			if cap(buf) <= 1<<20 && w.buf == nil {
				w.buf = buf[:0] // reuse the buffer
			}
		}
		w.cond.Broadcast()
	}
	return w.err
}

// Close syncs what is left and closes the file.
func (w *Writer) Close() error {
	err := w.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Name is the file's path.
func (w *Writer) Name() string { return w.f.Name() }

// syncDir makes a new file's directory entry durable; where a system
// cannot sync a directory, nothing more can be done.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
