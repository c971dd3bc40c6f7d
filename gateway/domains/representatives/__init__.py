"""What the riders' representatives see of platform work (directive 2024/2831 art. 13 and 16): per platform and
half-year, riders, hours, pay per hour, contracts, decisions and reviews, never a group smaller than five riders."""
