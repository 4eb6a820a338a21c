package devserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFile is the file in a data directory whose advisory lock keeps a second server off the
// database. It holds the holder's process ID, for the error the next server reports.
const lockFile = "firebreak.lock"

// lockDataDir takes an exclusive flock on dir's lock file, creating dir if needed, and writes
// this process's ID into the file. Closing the returned file releases the lock; so does the
// death of the process, so a killed server leaves no stale lock behind. The file itself stays:
// removing it would let two servers lock two different files of the same name.
func lockDataDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, inUseError(dir, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := writePID(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("write lock file: %w", err)
	}
	return f, nil
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// inUseError names the lock file and, when the file holds one, the holder's process ID.
func inUseError(dir, path string) error {
	holder := ""
	if b, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			holder = fmt.Sprintf(" (pid %d)", pid)
		}
	}
	return fmt.Errorf("data directory %s is in use by another firebreak dev%s: lock %s is held", dir, holder, path)
}
