/**
 * Time as JLVS reads it: {@link io.jlvs.core.time.Ticker}, a monotonic nanosecond clock that the library's
 * public API takes instead of any third-party clock type.
 */
package io.jlvs.core.time;
