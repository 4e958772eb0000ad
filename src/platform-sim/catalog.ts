/**
 * The demo marketplace's fixed vocabulary (devices, traffic sources, countries, gateways, tax
 * rules, experiments) and its seeded catalogue (categories, ~200 sellers, ~2,000 products).
 */
import { Rng, cumulative, DIGITS } from './rng.ts';

export const DEVICES = ['desktop', 'mobile_web', 'ios', 'android'] as const;
export const DEVICE_WEIGHTS = cumulative([16, 34, 22, 28]);
export type Device = (typeof DEVICES)[number];

export const TRAFFIC_SOURCES = ['direct', 'organic', 'paid_search', 'social', 'email', 'referral'] as const;
export const TRAFFIC_SOURCE_WEIGHTS = cumulative([22, 26, 16, 18, 10, 8]);
export type TrafficSource = (typeof TRAFFIC_SOURCES)[number];

/** Funnel multipliers per device: bounce, add-to-cart, cart->checkout, checkout->payment. */
export const DEVICE_FUNNEL: readonly { bounce: number; add: number; checkout: number; pay: number }[] = [
  { bounce: 0.8, add: 1.15, checkout: 1.18, pay: 1.08 }, // desktop
  { bounce: 1.3, add: 0.82, checkout: 0.78, pay: 0.88 }, // mobile_web
  { bounce: 0.85, add: 1.1, checkout: 1.1, pay: 1.05 }, // ios
  { bounce: 1.0, add: 1.0, checkout: 0.95, pay: 0.97 }, // android
];
/** Funnel multipliers per traffic source. */
export const SOURCE_FUNNEL: readonly { bounce: number; add: number; checkout: number }[] = [
  { bounce: 0.8, add: 1.1, checkout: 1.05 }, // direct
  { bounce: 1.0, add: 1.0, checkout: 1.0 }, // organic
  { bounce: 0.9, add: 1.22, checkout: 1.0 }, // paid_search
  { bounce: 1.5, add: 0.68, checkout: 0.85 }, // social
  { bounce: 0.72, add: 1.25, checkout: 1.1 }, // email
  { bounce: 1.1, add: 0.9, checkout: 0.95 }, // referral
];

/** Buyer countries. VN buyers pay in VND; everyone else in USD. */
export const COUNTRIES = ['VN', 'SG', 'US', 'AU', 'JP'] as const;
export const COUNTRY_WEIGHTS = cumulative([91, 3.2, 3.4, 1.2, 1.2]);
export const US_STATES = ['CA', 'NY', 'OR'] as const;
export const US_STATE_WEIGHTS = cumulative([55, 30, 15]);
export const VN_CITIES = ['TP. Hồ Chí Minh', 'Hà Nội', 'Đà Nẵng', 'Hải Phòng', 'Cần Thơ', 'Biên Hòa', 'Nha Trang', 'Huế'] as const;
export const VN_CITY_WEIGHTS = cumulative([38, 30, 8, 6, 5, 5, 4, 4]);

export const GATEWAYS = ['vnpay', 'momo', 'stripe', 'adyen', 'paypal'] as const;
export type Gateway = (typeof GATEWAYS)[number];
export function isGateway(g: unknown): g is Gateway {
  return typeof g === 'string' && (GATEWAYS as readonly string[]).includes(g);
}

/** Gateway choice per buyer currency, with the payment method each gateway uses. */
export const GATEWAY_MIX: Record<'VND' | 'USD', { gateway: Gateway; weight: number; methods: readonly string[] }[]> = {
  VND: [
    { gateway: 'vnpay', weight: 50, methods: ['vnpay_qr', 'vnpay_qr', 'atm_card'] },
    { gateway: 'momo', weight: 35, methods: ['momo_wallet'] },
    { gateway: 'adyen', weight: 15, methods: ['card'] },
  ],
  USD: [
    { gateway: 'stripe', weight: 58, methods: ['card'] },
    { gateway: 'paypal', weight: 30, methods: ['paypal'] },
    { gateway: 'adyen', weight: 12, methods: ['card'] },
  ],
};

/**
 * Gateway fees charged on settlement: `bps` of the amount plus a fixed minor-unit part (USD only),
 * rounded half-even per record.
 */
export const GATEWAY_FEES: Record<Gateway, { bps: number; fixed: Record<string, number> }> = {
  vnpay: { bps: 110, fixed: {} },
  momo: { bps: 150, fixed: {} },
  stripe: { bps: 290, fixed: { USD: 30 } },
  adyen: { bps: 220, fixed: { USD: 11 } },
  paypal: { bps: 340, fixed: { USD: 30 } },
};

/** Base failure probability per payment attempt, per gateway. */
export const GATEWAY_FAILURE: Record<Gateway, number> = { vnpay: 0.05, momo: 0.045, stripe: 0.06, adyen: 0.07, paypal: 0.04 };

export const FAILURE_CODES_CARD = { codes: ['card_declined', 'insufficient_funds', '3ds_failed', 'expired_card', 'gateway_timeout', 'fraud_suspected'], cum: cumulative([40, 20, 18, 5, 12, 5]) };
export const FAILURE_CODES_WALLET = { codes: ['insufficient_funds', 'otp_timeout', 'gateway_timeout', 'user_cancelled'], cum: cumulative([35, 30, 20, 15]) };
export const FAILURE_MESSAGES: Record<string, string> = {
  card_declined: 'The card was declined by the issuer.',
  insufficient_funds: 'Insufficient funds.',
  '3ds_failed': '3-D Secure authentication failed.',
  expired_card: 'The card has expired.',
  gateway_timeout: 'The payment gateway did not respond in time.',
  fraud_suspected: 'The payment was blocked by fraud screening.',
  otp_timeout: 'The one-time password was not entered in time.',
  user_cancelled: 'The customer cancelled the payment.',
};

/** Tax rules in basis points. VN VAT per category; SG GST; US state + local sales tax. */
export interface TaxRule { jurisdiction: string; country: string; state?: string; taxCode: string; bps: number }
export const SG_GST: TaxRule = { jurisdiction: 'SG', country: 'SG', taxCode: 'GST', bps: 900 };
export const US_TAX: Record<string, TaxRule[]> = {
  CA: [
    { jurisdiction: 'US-CA', country: 'US', state: 'CA', taxCode: 'SALES-STATE', bps: 725 },
    { jurisdiction: 'US-CA-LOS_ANGELES', country: 'US', state: 'CA', taxCode: 'SALES-DISTRICT', bps: 225 },
  ],
  NY: [
    { jurisdiction: 'US-NY', country: 'US', state: 'NY', taxCode: 'SALES-STATE', bps: 400 },
    { jurisdiction: 'US-NY-NYC', country: 'US', state: 'NY', taxCode: 'SALES-LOCAL', bps: 450 },
  ],
  OR: [],
};
export const VN_EXPORT: TaxRule = { jurisdiction: 'VN', country: 'VN', taxCode: 'VAT0-EXPORT', bps: 0 };
export function vnVat(bps: number): TaxRule {
  return { jurisdiction: 'VN', country: 'VN', taxCode: `VAT${bps / 100}`, bps };
}

export interface Category {
  id: string;
  name: string;
  /** VN VAT rate in basis points */
  vatBps: number;
  /** platform commission in basis points for sellers whose main category this is */
  commissionBps: number;
  /** price range in VND */
  minVnd: number;
  maxVnd: number;
  /** share of traffic */
  weight: number;
  items: readonly string[];
  modifiers: readonly string[];
  queries: readonly string[];
}

export const CATEGORIES: readonly Category[] = [
  { id: 'electronics', name: 'Điện tử', vatBps: 1000, commissionBps: 500, minVnd: 250_000, maxVnd: 5_000_000, weight: 14,
    items: ['Tai nghe Bluetooth', 'Loa di động', 'Sạc dự phòng 10000mAh', 'Chuột không dây', 'Bàn phím cơ', 'Đồng hồ thông minh', 'Camera an ninh', 'Ổ cứng SSD 512GB', 'Máy đọc sách', 'Router Wi-Fi 6'],
    modifiers: ['chính hãng', 'Pro', 'Mini', 'bản quốc tế', '2025'],
    queries: ['tai nghe bluetooth', 'loa bluetooth', 'sạc dự phòng', 'chuột không dây', 'bàn phím cơ', 'đồng hồ thông minh', 'ssd 512gb'] },
  { id: 'fashion', name: 'Thời trang', vatBps: 800, commissionBps: 1000, minVnd: 80_000, maxVnd: 1_200_000, weight: 16,
    items: ['Áo thun cotton', 'Quần jean nam', 'Váy hoa nữ', 'Áo sơ mi công sở', 'Giày sneaker', 'Túi xách da', 'Áo khoác gió', 'Dép quai ngang', 'Mũ lưỡi trai', 'Áo dài cách tân'],
    modifiers: ['form rộng', 'basic', 'cao cấp', 'unisex', 'size M', 'size L'],
    queries: ['áo thun nam', 'quần jean', 'váy hoa', 'giày sneaker', 'túi xách nữ', 'áo khoác gió', 'ao thun'] },
  { id: 'beauty', name: 'Sắc đẹp', vatBps: 1000, commissionBps: 900, minVnd: 60_000, maxVnd: 900_000, weight: 11,
    items: ['Son môi lì', 'Kem chống nắng SPF50', 'Sữa rửa mặt', 'Serum vitamin C', 'Mặt nạ giấy', 'Nước tẩy trang', 'Kem dưỡng ẩm', 'Phấn phủ kiềm dầu'],
    modifiers: ['100ml', '50ml', 'hộp 10 miếng', 'cho da dầu', 'dịu nhẹ'],
    queries: ['son môi', 'kem chống nắng', 'sữa rửa mặt', 'serum vitamin c', 'mặt nạ', 'tẩy trang'] },
  { id: 'home_living', name: 'Nhà cửa & Đời sống', vatBps: 800, commissionBps: 800, minVnd: 70_000, maxVnd: 3_000_000, weight: 10,
    items: ['Nồi chiên không dầu', 'Bộ chăn ga gối', 'Đèn ngủ LED', 'Máy hút bụi cầm tay', 'Bình giữ nhiệt', 'Kệ sách gỗ', 'Bộ nồi inox', 'Quạt đứng'],
    modifiers: ['5L', 'cao cấp', 'gia đình', 'tiết kiệm điện', 'màu trắng'],
    queries: ['nồi chiên không dầu', 'chăn ga gối', 'máy hút bụi', 'bình giữ nhiệt', 'quạt đứng'] },
  { id: 'groceries', name: 'Bách hóa', vatBps: 500, commissionBps: 600, minVnd: 50_000, maxVnd: 400_000, weight: 10,
    items: ['Cà phê rang xay', 'Gạo ST25 5kg', 'Nước mắm Phú Quốc', 'Hạt điều rang muối', 'Trà ô long', 'Mì ăn liền thùng 30 gói', 'Sữa tươi thùng 48 hộp'],
    modifiers: ['500g', 'túi 1kg', 'đặc biệt', 'hữu cơ'],
    queries: ['cà phê', 'gạo st25', 'nước mắm', 'hạt điều', 'trà ô long', 'mì tôm'] },
  { id: 'books', name: 'Sách', vatBps: 500, commissionBps: 700, minVnd: 50_000, maxVnd: 500_000, weight: 6,
    items: ['Sách kỹ năng sống', 'Tiểu thuyết', 'Truyện tranh', 'Sách học tiếng Anh', 'Sách nấu ăn', 'Sách thiếu nhi'],
    modifiers: ['bìa cứng', 'tái bản', 'bộ 3 cuốn', 'song ngữ'],
    queries: ['sách kỹ năng', 'tiểu thuyết', 'truyện tranh', 'sách tiếng anh', 'sach thieu nhi'] },
  { id: 'toys_kids', name: 'Mẹ & Bé', vatBps: 800, commissionBps: 800, minVnd: 80_000, maxVnd: 1_500_000, weight: 8,
    items: ['Bộ xếp hình', 'Xe đồ chơi điều khiển', 'Búp bê', 'Tã dán sơ sinh', 'Bình sữa', 'Xe đẩy em bé'],
    modifiers: ['cho bé 3 tuổi', 'an toàn', 'nhập khẩu', 'size M'],
    queries: ['đồ chơi', 'xếp hình', 'tã dán', 'bình sữa', 'xe đẩy'] },
  { id: 'sports_outdoors', name: 'Thể thao & Dã ngoại', vatBps: 800, commissionBps: 800, minVnd: 100_000, maxVnd: 3_000_000, weight: 7,
    items: ['Thảm tập yoga', 'Giày chạy bộ', 'Lều cắm trại 4 người', 'Vợt cầu lông', 'Bình nước thể thao', 'Tạ tay'],
    modifiers: ['chống trượt', 'siêu nhẹ', 'chính hãng', '2kg'],
    queries: ['thảm yoga', 'giày chạy bộ', 'lều cắm trại', 'vợt cầu lông', 'tạ tay'] },
  { id: 'health', name: 'Sức khỏe', vatBps: 500, commissionBps: 700, minVnd: 50_000, maxVnd: 800_000, weight: 6,
    items: ['Vitamin tổng hợp', 'Máy đo huyết áp', 'Khẩu trang y tế hộp 50 cái', 'Nhiệt kế điện tử', 'Dầu cá Omega 3'],
    modifiers: ['hộp 60 viên', 'chính hãng', 'cho người lớn'],
    queries: ['vitamin', 'máy đo huyết áp', 'khẩu trang', 'omega 3'] },
  { id: 'phone_accessories', name: 'Phụ kiện điện thoại', vatBps: 1000, commissionBps: 600, minVnd: 50_000, maxVnd: 700_000, weight: 12,
    items: ['Ốp lưng iPhone', 'Cáp sạc USB-C', 'Củ sạc nhanh 20W', 'Kính cường lực', 'Giá đỡ điện thoại', 'Tai nghe có dây'],
    modifiers: ['trong suốt', '1m', '2m', 'chống sốc', 'cho Samsung'],
    queries: ['ốp lưng iphone', 'cáp sạc type c', 'củ sạc nhanh', 'kính cường lực', 'op lung'] },
];
export const CATEGORY_WEIGHTS = cumulative(CATEGORIES.map((c) => c.weight));

/** Queries that return nothing (typos, items the marketplace does not carry). */
export const ZERO_RESULT_QUERIES = [
  'iphone 17 pro max titan xanh', 'tai nghe sony wh1000xm9', 'xyzabc', 'giày đá banh size 48', 'máy giặt mini 1kg hàng nhật',
  'ao dai cho cho', 'loa bluetoth', 'kem chong nang cho meo', 'sạc dự phong 100000mah', 'đồng hồ rolex chính hãng giá rẻ',
];

export const CHECKOUT_ERRORS = [
  { service: 'inventory', error_code: 'OUT_OF_STOCK', message: 'An item in the cart is out of stock.', step: 'checkout_started', http_status: 409 },
  { service: 'checkout', error_code: 'VOUCHER_INVALID', message: 'The voucher code is expired or invalid.', step: 'checkout_started', http_status: 422 },
  { service: 'shipping', error_code: 'SHIPPING_QUOTE_FAILED', message: 'Could not get a shipping quote for the address.', step: 'shipping', http_status: 502 },
  { service: 'cart', error_code: 'CART_SYNC_FAILED', message: 'The cart could not be synchronised.', step: 'checkout_started', http_status: 500 },
] as const;
export const PAYMENT_ERROR = { service: 'payment', error_code: 'GATEWAY_TIMEOUT', message: 'Payment gateway timed out.', step: 'payment', http_status: 504 } as const;
export const PAYMENT_SDK_ERROR = { service: 'payment', error_code: 'SDK_INIT_FAILED', message: 'The payment SDK failed to initialise.', step: 'payment', http_status: 500 } as const;

export const ABANDON_REASONS = { reasons: ['shipping_cost_surprise', 'changed_mind', 'price_comparison', 'delivery_time_too_long', 'timeout'], cum: cumulative([35, 25, 15, 15, 10]) };
export const CANCEL_REASONS = { reasons: ['customer_changed_mind', 'out_of_stock', 'seller_cancelled', 'address_issue', 'duplicate_order'], cum: cumulative([40, 25, 15, 10, 10]) };
export const RETURN_REASONS = ['item_not_as_described', 'damaged_in_transit', 'wrong_item', 'changed_mind'] as const;
export const PENALTY_REASONS = [
  { reason: 'late_shipment', min: 50_000, max: 300_000, weight: 50 },
  { reason: 'high_cancellation_rate', min: 200_000, max: 1_000_000, weight: 25 },
  { reason: 'counterfeit_report', min: 500_000, max: 2_000_000, weight: 10 },
  { reason: 'policy_violation', min: 100_000, max: 800_000, weight: 15 },
] as const;

/** Running experiments. Start offsets count back from the end date (clamped to the first day). */
export interface ExperimentDef {
  id: string;
  name: string;
  hypothesis: string;
  flag: string;
  variants: { id: string; name: string; weight: number }[];
  /** the event at which exposure is recorded */
  exposureAt: 'checkout.started' | 'search.query' | 'checkout.payment_initiated';
  metric: string;
  minRuntimeDays: number;
  minSamplePerVariant: number;
  startDaysBeforeEnd: number;
  /** what the simulator does differently for the treatment (documented for demo purposes) */
  effect: string;
}

export const EXPERIMENTS: readonly ExperimentDef[] = [
  {
    id: 'exp_checkout_cta_color', name: 'New checkout button color', hypothesis: 'Green CTA increases checkout conversion by 3%',
    flag: 'checkout_cta_color', variants: [{ id: 'A', name: 'control: blue', weight: 50 }, { id: 'B', name: 'treatment: green', weight: 50 }],
    exposureAt: 'checkout.started', metric: 'checkout_completion_rate', minRuntimeDays: 14, minSamplePerVariant: 10_000, startDaysBeforeEnd: 60,
    effect: 'B: +4.5 percentage points from checkout.started to checkout.payment_initiated',
  },
  {
    id: 'exp_search_ranking_v2', name: 'Search ranking v2', hypothesis: 'The new ranking model raises search-to-click rate',
    flag: 'search_ranking_v2', variants: [{ id: 'control', name: 'current ranking', weight: 50 }, { id: 'treatment', name: 'ranking v2', weight: 50 }],
    exposureAt: 'search.query', metric: 'search_click_through_rate', minRuntimeDays: 14, minSamplePerVariant: 10_000, startDaysBeforeEnd: 45,
    effect: 'treatment: +1 percentage point click-through (likely inconclusive)',
  },
  {
    id: 'exp_new_payment_sdk', name: 'New payment SDK', hypothesis: 'The new SDK reduces payment latency without hurting success rate',
    flag: 'payment_sdk_v3', variants: [{ id: 'control', name: 'SDK v2', weight: 80 }, { id: 'treatment', name: 'SDK v3', weight: 20 }],
    exposureAt: 'checkout.payment_initiated', metric: 'payment_success_rate', minRuntimeDays: 14, minSamplePerVariant: 5_000, startDaysBeforeEnd: 21,
    effect: 'treatment: 2.5x payment error rate and +1.5 points payment failures (trips the guardrail)',
  },
];

/**
 * Sticky assignment: bucket = FNV-1a 32-bit of "<experiment_id>:<user_id>" mod 100, then the
 * variants' weights (percent) are laid out in order over 0..99.
 */
export function assignVariant(exp: Pick<ExperimentDef, 'id' | 'variants'>, userId: string, hash: (s: string) => number): string {
  const bucket = hash(`${exp.id}:${userId}`) % 100;
  let acc = 0;
  for (const v of exp.variants) {
    acc += v.weight;
    if (bucket < acc) return v.id;
  }
  return exp.variants[exp.variants.length - 1]!.id;
}

export interface Seller {
  id: string;
  name: string;
  vatNumber: string;
  city: string;
  mainCategory: number;
  commissionBps: number;
  /** relative popularity */
  weight: number;
  /** product indexes */
  products: number[];
}

export interface Product {
  id: string;
  name: string;
  category: number;
  seller: number;
  /** price in VND (minor = major) */
  vnd: number;
  /** price in USD cents */
  usd: number;
}

export interface Catalog {
  categories: readonly Category[];
  sellers: Seller[];
  products: Product[];
  /** per category: product indexes and cumulative popularity */
  byCategory: { products: number[]; cum: Float64Array }[];
  /** per seller: cumulative popularity over its products */
  sellerCum: Float64Array[];
}

const SHOP_PREFIX = ['Shop', 'Tiệm', 'Nhà', 'Cửa hàng', 'Kho', 'Store'];
const SHOP_NAMES = ['Minh Anh', 'Hoàng Long', 'Phương Nam', 'Sài Gòn Xanh', 'Hà Thành', 'Bình An', 'Thiên Phúc', 'Mộc Lan', 'Tân Tiến', 'An Khang', 'Việt Mỹ', 'Hạnh Phúc', 'Ánh Dương', 'Kim Ngân', 'Đông Á', 'Gia Bảo'];

/** The seeded catalogue: 200 sellers, ~2,000 products across the categories. */
export function buildCatalog(seed: number): Catalog {
  const r = new Rng(seed, 'catalog');
  const sellers: Seller[] = [];
  const products: Product[] = [];
  const SELLERS = 200;
  for (let s = 0; s < SELLERS; s++) {
    const mainCategory = r.weighted(CATEGORY_WEIGHTS);
    const cat = CATEGORIES[mainCategory]!;
    sellers.push({
      id: `S${String(s + 1).padStart(4, '0')}`,
      name: `${r.pick(SHOP_PREFIX)} ${r.pick(SHOP_NAMES)} ${s + 1}`,
      vatNumber: '0' + r.chars(9, DIGITS),
      city: VN_CITIES[r.weighted(VN_CITY_WEIGHTS)]!,
      mainCategory,
      commissionBps: cat.commissionBps + r.pick([-100, 0, 0, 0, 100, 200]),
      // Zipf-like seller popularity
      weight: 1 / Math.pow(s + 1, 0.85),
      products: [],
    });
  }
  // shuffle popularity so seller ids do not encode rank
  for (let i = sellers.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    const w = sellers[i]!.weight;
    sellers[i]!.weight = sellers[j]!.weight;
    sellers[j]!.weight = w;
  }
  const productWeights: number[] = [];
  for (let s = 0; s < SELLERS; s++) {
    const seller = sellers[s]!;
    const n = r.int(4, 16);
    for (let k = 0; k < n; k++) {
      const category = r.chance(0.8) ? seller.mainCategory : r.weighted(CATEGORY_WEIGHTS);
      const cat = CATEGORIES[category]!;
      // log-uniform price, rounded to 1,000 VND, ending in 9,000 for a retail look
      const raw = Math.exp(r.range(Math.log(cat.minVnd), Math.log(cat.maxVnd)));
      let vnd = Math.round(raw / 10_000) * 10_000 - 1_000;
      if (vnd < 50_000) vnd = 59_000;
      // USD at ~25,000 VND/USD, rounded to x.49 / x.99
      let usd = Math.round(vnd / 250 / 50) * 50 - 1;
      if (usd < 199) usd = 199;
      const idx = products.length;
      products.push({
        id: `P${String(idx + 1).padStart(5, '0')}`,
        name: `${r.pick(cat.items)} ${r.pick(cat.modifiers)}`,
        category,
        seller: s,
        vnd,
        usd,
      });
      productWeights.push(seller.weight * (0.2 + r.exp(1)));
      seller.products.push(idx);
    }
  }
  const byCategory = CATEGORIES.map((_, c) => {
    const list = products.map((p, i) => (p.category === c ? i : -1)).filter((i) => i >= 0);
    return { products: list, cum: cumulative(list.map((i) => productWeights[i]!)) };
  });
  const sellerCum = sellers.map((s) => cumulative(s.products.map((i) => productWeights[i]!)));
  return { categories: CATEGORIES, sellers, products, byCategory, sellerCum };
}

/** A JSON view of the catalogue for GET /v1/catalog. */
export function catalogJson(cat: Catalog): Record<string, unknown> {
  return {
    categories: cat.categories.map((c) => ({ id: c.id, name: c.name, vn_vat_rate: (c.vatBps / 10000).toFixed(2), commission_rate_bps: c.commissionBps })),
    sellers: cat.sellers.map((s) => ({ seller_id: s.id, name: s.name, vat_number: s.vatNumber, city: s.city, main_category: CATEGORIES[s.mainCategory]!.id, commission_rate_bps: s.commissionBps, product_count: s.products.length })),
    products: cat.products.map((p) => ({ product_id: p.id, name: p.name, category: CATEGORIES[p.category]!.id, seller_id: cat.sellers[p.seller]!.id, price_vnd: String(p.vnd), price_usd: (p.usd / 100).toFixed(2) })),
  };
}
