//! A session's settings (SET/SHOW/RESET values by lower-case name) with a version that
//! every change bumps, so what is derived from them (the parameters a wire listener
//! reports, the current schema) is computed again only after a change.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    values: BTreeMap<String, String>,
    version: u64,
}

impl Settings {
    pub(crate) fn get(&self, name: &str) -> Option<&String> {
        self.values.get(name)
    }

    pub(crate) fn insert(&mut self, name: String, value: String) {
        self.version += 1;
        self.values.insert(name, value);
    }

    pub(crate) fn remove(&mut self, name: &str) {
        self.version += 1;
        self.values.remove(name);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.values.iter()
    }

    /// Changes with every insert and remove.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }
}

impl FromIterator<(String, String)> for Settings {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Settings { values: iter.into_iter().collect(), version: 0 }
    }
}
