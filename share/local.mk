## share/ - data files installed with the program
dist_man_MANS = share/maskbench.1
categoriesdir = $(pkgdatadir)/categories
dist_categories_DATA = share/categories/README share/categories/bank_account.cat share/categories/birth_date.cat share/categories/city.cat share/categories/company_name.cat share/categories/country.cat share/categories/credit_card.cat share/categories/driver_license.cat share/categories/email.cat share/categories/first_name.cat share/categories/free_text_pii.cat share/categories/gender.cat share/categories/geo_coordinates.cat share/categories/health.cat share/categories/iban.cat share/categories/identifier.cat share/categories/ip_address.cat share/categories/last_name.cat share/categories/medical_record_number.cat share/categories/national_id.cat share/categories/passport.cat share/categories/password_hash.cat share/categories/person_name.cat share/categories/phone.cat share/categories/postal_code.cat share/categories/secret.cat share/categories/street_address.cat share/categories/username.cat share/categories/vehicle_id.cat 
matchdir = $(pkgdatadir)/match
dist_match_DATA = share/match/common_words.txt
