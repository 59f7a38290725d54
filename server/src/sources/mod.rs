//! Where raw messages come from. Each source pushes bytes into the tick loop's bounded inbox.

pub mod simulator;
