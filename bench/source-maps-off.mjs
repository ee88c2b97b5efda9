// Loaded after tsx (which turns source maps on): the bench measures what `npm start` and the daemon
// run, and bin/arena.mjs keeps source maps off unless ARENA_DEBUG is set.
if (!process.env.ARENA_DEBUG) process.setSourceMapsEnabled(false);
