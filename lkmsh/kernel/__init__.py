"""The kernel model: modules, symbols, memory, CPU, kernel API, log and state."""
