//! Locks that do not poison.
//!
//! `std::sync::Mutex` and `RwLock` are "poisoned" when a thread panics while holding them, and
//! every later `lock()` returns an error. maillint's locks guard caches and lists that are only
//! ever added to (the tree's directory cache, skipped paths and account homes, the SPF records
//! already parsed, the progress bar): a panic in the middle of one insert or push leaves them
//! usable, and the panic itself still fails the run. So these wrappers take the lock whether or
//! not it is poisoned, and callers need no `unwrap()`.

use std::sync::{MutexGuard, PoisonError, RwLockReadGuard, RwLockWriteGuard};

/// A mutual-exclusion lock whose [`Mutex::lock`] ignores poisoning.
#[derive(Debug, Default)]
pub struct Mutex<T>(std::sync::Mutex<T>);

impl<T> Mutex<T> {
    pub const fn new(value: T) -> Mutex<T> {
        Mutex(std::sync::Mutex::new(value))
    }

    /// Takes the lock, waiting for it if another thread holds it.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A reader-writer lock whose [`RwLock::read`] and [`RwLock::write`] ignore poisoning.
#[derive(Debug, Default)]
pub struct RwLock<T>(std::sync::RwLock<T>);

impl<T> RwLock<T> {
    pub const fn new(value: T) -> RwLock<T> {
        RwLock(std::sync::RwLock::new(value))
    }

    /// Takes the lock for reading, with other readers.
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the lock for writing, alone.
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_holding_the_lock_does_not_poison_it() {
        let m = Mutex::new(vec![1]);
        let rw = RwLock::new(1);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _g = m.lock();
            let _w = rw.write();
            panic!("while holding the locks");
        }));
        m.lock().push(2);
        assert_eq!(*m.lock(), [1, 2]);
        *rw.write() += 1;
        assert_eq!(*rw.read(), 2);
    }
}
