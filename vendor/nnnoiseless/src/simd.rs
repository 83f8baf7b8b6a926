//! Sentral's patch: the hot loops compiled twice, for the baseline x86-64 and for AVX2, and the
//! AVX2 copy chosen at run time when the processor has it.
//!
//! The loops are the upstream ones, unchanged: the AVX2 copy only lets the compiler use wider
//! registers. No FMA is enabled, so every multiply and add rounds as in the baseline copy and
//! the output is bit-identical (the `simd_paths_agree` test in Sentral checks it).

/// Defines `fn $name` that runs `$generic` (an `#[inline(always)]` function with the same
/// signature) compiled for AVX2 when the processor has it, else as compiled for the baseline.
macro_rules! avx2_dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? => $generic:path) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                if crate::simd::avx2() {
                    #[target_feature(enable = "avx2")]
                    fn with_avx2($($arg: $ty),*) $(-> $ret)? {
                        $generic($($arg),*)
                    }
                    // SAFETY: the processor has AVX2 (checked just above).
                    return unsafe { with_avx2($($arg),*) };
                }
            }
            $generic($($arg),*)
        }
    };
}

/// Whether the AVX2 copies run: the processor has AVX2 and [`force_baseline`] is off.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn avx2() -> bool {
    use std::sync::atomic::Ordering;
    !BASELINE.load(Ordering::Relaxed) && std::arch::is_x86_feature_detected!("avx2")
}

#[cfg(target_arch = "x86_64")]
static BASELINE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Runs the baseline copies only (`true`) or the fastest the processor has (`false`, the
/// default), for every stream in the process: for tests and benchmarks that compare them.
#[doc(hidden)]
pub fn force_baseline(baseline: bool) {
    #[cfg(target_arch = "x86_64")]
    BASELINE.store(baseline, std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = baseline;
}
