package config

// Save writes f to path as Update would, without its lock: tests set up a
// file before the code under test reads it.
func Save(path string, f *File) error {
	target, err := writeTarget(path)
	if err != nil {
		return err
	}
	return save(path, target, f)
}
