//! Slot sets as flat `u64` word arrays, so any number of slots works and the
//! common case (≤ 64 slots) is a single word.

/// Words needed for `slots` bits.
pub(crate) fn words_for(slots: usize) -> usize {
    slots.div_ceil(64).max(1)
}

#[inline]
pub(crate) fn test(words: &[u64], s: usize) -> bool {
    (words[s >> 6] >> (s & 63)) & 1 == 1
}

#[inline]
pub(crate) fn set(words: &mut [u64], s: usize) {
    words[s >> 6] |= 1 << (s & 63);
}

#[inline]
pub(crate) fn clear(words: &mut [u64], s: usize) {
    words[s >> 6] &= !(1 << (s & 63));
}

/// Number of set bits.
pub(crate) fn count(words: &[u64]) -> u32 {
    words.iter().map(|w| w.count_ones()).sum()
}

/// Set bits in increasing order.
pub(crate) fn iter(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(i, &w)| {
        let mut w = w;
        std::iter::from_fn(move || {
            if w == 0 {
                None
            } else {
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(i * 64 + b)
            }
        })
    })
}

/// Breaks of a busy set: maximal runs of ones minus one (0 for an empty set).
/// A run starts at a one whose lower neighbour is zero.
#[inline]
pub(crate) fn breaks(words: &[u64]) -> u32 {
    let mut runs = 0;
    let mut carry = 0u64;
    for &w in words {
        runs += (w & !((w << 1) | carry)).count_ones();
        carry = w >> 63;
    }
    runs.saturating_sub(1)
}

/// Idle slots between the first and the last set bit.
#[inline]
pub(crate) fn span_idle(words: &[u64]) -> u32 {
    let first = words.iter().position(|&w| w != 0);
    let last = words.iter().rposition(|&w| w != 0);
    match (first, last) {
        (Some(f), Some(l)) => {
            let lo = f * 64 + words[f].trailing_zeros() as usize;
            let hi = l * 64 + 63 - words[l].leading_zeros() as usize;
            (hi - lo + 1) as u32 - count(words)
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_count_runs() {
        assert_eq!(breaks(&[0]), 0);
        assert_eq!(breaks(&[0b111]), 0);
        assert_eq!(breaks(&[0b1011]), 1);
        assert_eq!(breaks(&[0b1000_1001]), 2);
        // A run crossing a word boundary is one run.
        assert_eq!(breaks(&[1 << 63, 1]), 0);
        assert_eq!(breaks(&[1 << 62, 1]), 1);
        let mut w = vec![0u64; 2];
        set(&mut w, 3);
        set(&mut w, 70);
        assert!(test(&w, 70));
        assert_eq!(iter(&w).collect::<Vec<_>>(), vec![3, 70]);
        assert_eq!(span_idle(&w), 66);
        clear(&mut w, 3);
        assert_eq!(count(&w), 1);
        assert_eq!(span_idle(&w), 0);
        assert_eq!(span_idle(&[0b1001_0110]), 3);
    }
}
