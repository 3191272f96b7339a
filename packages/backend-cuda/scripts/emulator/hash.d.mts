/** What test/emulator/libemu_cuda.so is built from (kernel sources, emulator, fake driver), hashed. */
export function emulatorHash(): string;
