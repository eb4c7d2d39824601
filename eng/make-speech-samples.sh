#!/usr/bin/env bash
# Makes the real-audio samples the speech corpus is calibrated and validated on
# (testassets/speech/): English speech synthesized by espeak-ng, with pauses, resampled by sox to
# 16 kHz mono, cut into the frames Silero VAD takes — 512 samples for v5/v6, 1536 for the legacy
# model (the frame sizes @ricky0123/vad-web feeds) — in order, so a streaming run carries its state
# through real speech and silence. Each folder holds one file, frames.npy [N, FRAME] float32 in
# [-1, 1]. Needs: apt-get install espeak-ng sox. Deterministic for a given espeak-ng version.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/testassets/speech"
for tool in espeak-ng sox python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "make-speech-samples: $tool is not installed (apt-get install espeak-ng sox)." >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Speech, half a second of silence, more speech: the VAD's answer must change inside the window.
espeak-ng -v en -s 150 -w "$work/a.wav" "Voice activity detection decides which parts of a recording hold speech."
espeak-ng -v en -s 170 -w "$work/b.wav" "Seven, eight, nine. The quick brown fox jumps over the lazy dog."
sox -n -r 22050 -c 1 "$work/gap.wav" trim 0.0 0.5
sox "$work/a.wav" "$work/gap.wav" "$work/b.wav" -r 16000 -c 1 -b 16 -e signed-integer "$work/all.raw" gain -n -3

# Where the pause starts, in 16 kHz samples: each window is centred on it.
gap=$(python3 -c "print(int(round($(soxi -D "$work/a.wav") * 16000)))")
python3 - "$work/all.raw" "$out" "$gap" <<'PY'
import os, struct, sys
raw, out, gap = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(raw, 'rb').read()
samples = [s / 32768.0 for s in struct.unpack('<%dh' % (len(data) // 2), data)]

def write_npy(path, rows, width):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), width)
    header += ' ' * (63 - (len(header) + 10) % 64) + '\n'
    with open(path + '.tmp', 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode('latin1'))
        for row in rows:
            f.write(struct.pack('<%df' % width, *row))
    os.replace(path + '.tmp', path)

for name, width, count in (('silero-512', 512, 64), ('silero-1536', 1536, 48)):
    # Consecutive frames: the end of the first sentence, the pause, the start of the second.
    start = max(0, gap + 4000 - count * width // 2)
    rows = [samples[start + i * width: start + (i + 1) * width] for i in range(count)]
    rows = [r for r in rows if len(r) == width]
    os.makedirs(os.path.join(out, name), exist_ok=True)
    write_npy(os.path.join(out, name, 'frames.npy'), rows, width)
    print('%s: %d frames of %d samples' % (os.path.join(out, name, 'frames.npy'), len(rows), width))
PY
