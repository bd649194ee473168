//! `Clone` whose `clone_from` reuses buffers field by field: how `explore`
//! forks an engine once per transition without allocating (a derived
//! `Clone` implements `clone_from` as a fresh `clone`).

/// Implements `Clone` for a struct of named fields, with a `clone_from`
/// that calls each field's `clone_from`.
macro_rules! clone_in_place {
    ($ty:ident { $($field:ident),* $(,)? }) => {
        impl Clone for $ty {
            fn clone(&self) -> Self {
                $ty { $($field: self.$field.clone()),* }
            }

            fn clone_from(&mut self, source: &Self) {
                $(self.$field.clone_from(&source.$field);)*
            }
        }
    };
}

pub(crate) use clone_in_place;
